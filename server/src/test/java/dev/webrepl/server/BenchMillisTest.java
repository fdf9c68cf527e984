package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.loadtest.generator.Millis;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** bench's latencies, in its summary, progress line and report.html: milliseconds, three significant digits. */
class BenchMillisTest {
    @Test
    @DisplayName("microseconds become ms with three significant digits, whole ms with separators from 1 s")
    void formatsMillisecondsWithThreeSignificantDigits() {
        assertEquals("0 ms", Millis.of(0));
        assertEquals("0.00000100 ms", Millis.of(0.001)); // one nanosecond, the histogram's resolution
        assertEquals("0.0412 ms", Millis.of(41.2));
        assertEquals("0.500 ms", Millis.of(500));
        assertEquals("0.412 ms", Millis.of(412));
        assertEquals("0.412 ms", Millis.of(412.5));       // 0.4125 is stored just below: rounded as JavaScript's toPrecision does
        assertEquals("1.00 ms", Millis.of(1000));
        assertEquals("1.24 ms", Millis.of(1_235.9));
        assertEquals("10.0 ms", Millis.of(10_000));
        assertEquals("12.3 ms", Millis.of(12_345));
        assertEquals("99.9 ms", Millis.of(99_949));
        assertEquals("100 ms", Millis.of(99_950));        // half up
        assertEquals("412 ms", Millis.of(412_400));
        assertEquals("999 ms", Millis.of(999_499));
        assertEquals("1,000 ms", Millis.of(999_500));
        assertEquals("1,234 ms", Millis.of(1_234_499));
        assertEquals("12,346 ms", Millis.of(12_345_678));
        assertEquals("1,234,568 ms", Millis.of(1_234_567_890));
    }

    @Test
    @DisplayName("the progress line gives p50 and p99 in ms")
    void progressLineInMilliseconds() {
        assertEquals("    3s  sessions 2/4 up  errors 0  p50 0.412 ms, p99 12.3 ms  7 answers/s  0.00 MB/s",
                dev.webrepl.loadtest.generator.LoadGenerator.progressLine(
                        new dev.webrepl.loadtest.generator.Recorder.Second(3, 2, 0, 5, 412, 12_345, 20_000, 7, 10), 4));
    }
}
