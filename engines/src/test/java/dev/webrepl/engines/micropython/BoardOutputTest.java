package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoardOutputTest {
    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

    private static final String BANNER = "\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ";

    private BoardOutput board(boolean unixPort) {
        return new BoardOutput(shown::writeBytes, unixPort);
    }

    /** The unix port at its friendly prompt, after Ctrl-E and the paste banner (split across two writes). */
    private BoardOutput pasting() {
        BoardOutput o = board(true);
        o.write(b(">>> "));
        o.input(b("\u0005"));
        o.write(b(BANNER.substring(0, 20)));
        o.write(b(BANNER.substring(20)));
        assertEquals(">>> " + BANNER, shown());
        shown.reset();
        return o;
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

    @Test
    void pasteModeEchoesAPastedLfAsABoardDoesAndACrAsThePortDoes() {
        BoardOutput o = pasting();
        o.input(b("a = 1\nb\r\n"));
        // The unix port reads LF as CR: both echo as "\r\n=== "; a board echoes LF as it came.
        o.write(b("a = 1\r\n="));
        assertEquals("a = 1", shown(), "the echo's start is held until it is complete");
        o.write(b("== b\r\n=== \r"));
        o.write(b("\n=== "));
        assertEquals("a = 1\nb\r\n=== \n", shown());
    }

    @Test
    void theBannerAndTheEchoSplitAtEveryByteGiveTheSameBytes() {
        BoardOutput o = board(true);
        o.write(b(">>> "));
        o.input(b("\u0005a\nb\r\u0004"));
        for (byte x : b(BANNER + "a\r\n=== b\r\n=== \r\n1\n>>> ")) {
            o.write(new byte[] {x});
        }
        assertEquals(">>> " + BANNER + "a\nb\r\n=== \r\n1\r\n>>> ", shown());
    }

    @Test
    void ctrlDEndsPasteModeAndWhatThePastedCodePrintsIsCookedAgain() {
        BoardOutput o = pasting();
        o.input(b("print(6 * 7)\n\u0004"));
        o.write(b("print(6 * 7)\r\n=== \r\n42\n>>> "));
        assertEquals("print(6 * 7)\n\r\n42\r\n>>> ", shown());
    }

    @Test
    void anInterruptsCtrlCEndsPasteMode() {
        BoardOutput o = pasting();
        o.input(b("x\n"));
        o.input(b("\u0003"));
        o.write(b("x\r\n=== \r\n>>> "));
        o.write(b("1\n"));
        assertEquals("x\n\r\n>>> 1\r\n", shown());
    }

    @Test
    void twoPastesTypedAheadAreEachEchoedAsABoardDoes() {
        BoardOutput o = board(true);
        o.write(b(">>> "));
        o.input(b("\u0005a\n\u0004\u0005b\n\u0004"));
        o.write(b(BANNER + "a\r\n=== \r\n"));
        o.write(b("1\n>>> " + BANNER + "b\r\n=== \r\n2\n>>> "));
        assertEquals(">>> " + BANNER + "a\n\r\n1\r\n>>> " + BANNER + "b\n\r\n2\r\n>>> ", shown());
    }

    @Test
    void outputThatIsNotTheExpectedEchoEndsTheMatchingAndIsCooked() {
        BoardOutput o = pasting();
        o.input(b("x\n"));
        o.write(b("x\r\nlater\n"));
        o.write(b("y\n"));
        assertEquals("x\r\nlater\r\ny\r\n", shown());
    }

    @Test
    void theBannerWithoutCtrlEOrAfterCtrlEInTheRawReplChangesNothing() {
        BoardOutput o = board(true);
        o.write(b(">>> " + BANNER + "x\r\n=== y\n"));
        o.write(b("\r\nraw REPL; CTRL-B to exit\r\n>"));
        o.input(b("\u0005A\u0001x\n"));
        o.write(b(BANNER + "x\r\n=== y\n"));
        assertEquals(">>> " + BANNER + "x\r\n=== y\r\n\r\nraw REPL; CTRL-B to exit\r\n>" + BANNER + "x\r\n=== y\r\n",
                shown());
    }

    @Test
    void aSoftRebootEndsPasteMode() {
        BoardOutput o = pasting();
        o.input(b("x\n"));
        o.softReboot(false);
        o.write(b("x\r\n=== y\n"));
        assertEquals("MPY: soft reboot\r\nx\r\n=== y\r\n", shown());
    }

    @Test
    void inputBeyondTheLimitIsNotMatchedAndItsEchoIsShownAsItCame() {
        BoardOutput o = pasting();
        String x = "x".repeat(UnixPortOutput.INPUT_LIMIT + 1);
        o.input(b(x + "\n"));
        o.write(b(x + "\r\n=== "));
        o.write(b("y\n"));
        assertEquals(x + "\r\n=== y\r\n", shown());
    }

    @Test
    void theWebAssemblyRunnersPasteModeOutputPassesAsItIs() {
        BoardOutput o = board(false);
        o.input(b("\u0005"));
        o.write(b(BANNER));
        o.input(b("x\n"));
        o.write(b("x\n"));
        assertEquals(BANNER + "x\n", shown());
    }
}
