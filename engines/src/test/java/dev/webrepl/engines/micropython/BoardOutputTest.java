package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoardOutputTest {
    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

    private BoardOutput board(boolean cook) {
        return new BoardOutput(shown::writeBytes, cook);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private String shown() {
        return shown.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aBareNewlineIsCookedAndTheReplsOwnCrLfIsLeftAlone() {
        BoardOutput o = board(true);
        o.write(b("1+1\r\n2\n>>> "));
        o.write(b("print()\r"));
        o.write(b("\n\n"));
        assertEquals("1+1\r\n2\r\n>>> print()\r\n\r\n", shown());
    }

    @Test
    void withoutCookingTheBytesPassAsTheyAre() {
        BoardOutput o = board(false);
        o.write(b("2\n>>> "));
        assertEquals("2\n>>> ", shown());
    }

    @Test
    void theLastReplShownIsTrackedAcrossChunks() {
        BoardOutput o = board(true);
        o.write(b(">>> \r\nraw REPL; CTRL-B"));
        assertFalse(o.inRawRepl());
        o.write(b(" to exit\r\n>"));
        assertTrue(o.inRawRepl());
        o.write(b("OK\u0004\u0004>\r\nMicroPython v1\r\n>"));
        assertTrue(o.inRawRepl());
        o.write(b(">> "));
        assertFalse(o.inRawRepl());
    }

    @Test
    void aRawRestartHidesTheFriendlyBannerUpToTheRawBanner() {
        BoardOutput o = board(true);
        o.write(b("OK\r\n"));
        o.softReboot(true);
        o.write(b("MicroPython v1.29; linux\r\nType \"help()\" for more information.\r\n>>> "));
        o.write(b("\r\nraw REPL; CTRL-B to exit\r\n>"));
        assertEquals("OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>", shown());
        assertTrue(o.inRawRepl());
    }

    @Test
    void aRawRestartThatNeverReachesTheRawReplShowsEverythingAfterTheLimit() {
        BoardOutput o = board(false);
        o.softReboot(true);
        o.write(new byte[BoardOutput.HIDE_LIMIT]);
        assertEquals(BoardOutput.SOFT_REBOOT.length, shown.size());
        o.write(b("x"));
        assertEquals(BoardOutput.SOFT_REBOOT.length + BoardOutput.HIDE_LIMIT + 1, shown.size());
    }
}
