package dev.webrepl.loadtest.generator;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * A latency for people: milliseconds with three significant digits ({@code 0.412 ms},
 * {@code 12.3 ms}, {@code 412 ms}), whole milliseconds with thousands separators from 1 s on
 * ({@code 1,234 ms}). report.html's {@code ms()} formats the same way (the exact binary value
 * rounded half up, as JavaScript's {@code toPrecision} does), so the summary and the report agree.
 */
public final class Millis {
    private static final MathContext THREE = new MathContext(3, RoundingMode.HALF_UP);

    private Millis() {
    }

    /** {@code micros} microseconds, e.g. {@code 412.0 -> "0.412 ms"}; 0 is {@code "0 ms"}. */
    public static String of(double micros) {
        double ms = micros / 1e3;
        if (ms == 0) {
            return "0 ms";
        }
        if (ms >= 999.5) {
            return String.format(Locale.ROOT, "%,d ms", Math.round(ms));
        }
        BigDecimal rounded = new BigDecimal(ms).round(THREE);
        if (rounded.precision() < 3) {  // 1 -> 1.00, 10 -> 10.0: the zeros are significant
            rounded = rounded.setScale(rounded.scale() + 3 - rounded.precision());
        }
        return rounded.toPlainString() + " ms";
    }
}
