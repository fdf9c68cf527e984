package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * runner.mjs against a real MicroPython (the WebAssembly port): the REPL's bytes as a board sends them,
 * the host root as MicroPython's {@code /}, soft reset and Ctrl-C. Skipped without node and the npm
 * package, failed instead when {@code WEBREPL_REQUIRE_MICROPYTHON=1} (CI).
 */
class WasmRunnerReplTest {
    private static final String PROMPT = ">>> ";
    private static final String RAW_GREETING = "raw REPL; CTRL-B to exit\r\n>";
    private static final Pattern BANNER = Pattern.compile(
            "MicroPython v\\S+ on \\S+; JS with Emscripten\r\nType \"help\\(\\)\" for more information\\.\r\n>>> ");

    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private RunnerProcess runner;

    @BeforeEach
    void createRoot() throws Exception {
        root = Files.createDirectory(dir.resolve("root"));
        outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
    }

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    private RunnerProcess start(String... extraArguments) throws Exception {
        runner = RunnerProcess.start(Files.createDirectory(dir.resolve("runner")), root, extraArguments);
        String banner = runner.readThrough(PROMPT);
        assertTrue(banner.startsWith("\r\n") && BANNER.matcher(banner.substring(2)).matches(),
                RunnerProcess.printable(banner));
        return runner;
    }

    /** Runs one line at the friendly prompt and returns what follows its echo, before the next prompt. */
    private String line(String code) throws Exception {
        runner.send(code + "\r");
        String out = runner.readThrough(PROMPT);
        assertTrue(out.startsWith(code + "\r\n"), RunnerProcess.printable(out));
        return out.substring(code.length() + 2, out.length() - PROMPT.length());
    }

    /** e(f, *args): f's result, or the errno of the OSError it raised. */
    private void defineErrno() throws Exception {
        assertEquals("", line("exec('def e(f, *a):\\n try:\\n  return f(*a)\\n except OSError as x:\\n  return x.errno')"));
    }

    private void enterRawRepl() throws Exception {
        runner.send("\u0001");
        assertEquals("\r\n" + RAW_GREETING, runner.readThrough(RAW_GREETING));
    }

    @Test
    void showsTheBannerAndPromptWithoutWaitingForInput() throws Exception {
        start();
        int[] status = new int[1];
        assertEquals("", runner.closeAndReadRest(status));
        assertEquals(0, status[0]);
    }

    @Test
    void echoesAndAnswersWithABoardsLineEndings() throws Exception {
        start();
        runner.send("1+1\r");
        assertEquals("1+1\r\n2\r\n>>> ", runner.readThrough(PROMPT));
    }

    @Test
    void rawReplRunsAScriptAndFramesOutputAndError() throws Exception {
        start();
        enterRawRepl();
        runner.send("print('hi')\nprint(6*7)\u0004");
        assertEquals("OKhi\r\n42\r\n\u0004\u0004>", runner.readThrough("\u0004>"));
        runner.send("1/0\u0004");
        assertEquals("OK\u0004Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
                + "ZeroDivisionError: divide by zero\r\n\u0004>", runner.readThrough("\u0004>"));
        runner.send("\u0002");
        String back = runner.readThrough(PROMPT);
        assertTrue(back.startsWith("\r\n") && BANNER.matcher(back.substring(2)).matches(), RunnerProcess.printable(back));
    }

    @Test
    void rawPasteModeTakesCodeInFlowControlledWindows() throws Exception {
        start();
        enterRawRepl();
        // As mpremote and Thonny do: ask for raw paste, read "R\x01" and the window size (256,
        // little-endian) with the first window's Ctrl-A, send, take a Ctrl-A per window used.
        runner.send("\u0005A\u0001");
        assertEquals("R\u0001\u0000\u0001\u0001", runner.readThrough("R\u0001\u0000\u0001\u0001"));
        String code = "x = 6\n" + "#".repeat(300) + "\nprint(x * 7)\n";
        runner.send(code.substring(0, 256));
        assertEquals("\u0001", runner.readThrough("\u0001"));
        runner.send(code.substring(256) + "\u0004");
        assertEquals("\u000442\r\n\u0004\u0004>", runner.readThrough("\u0004>"));
        runner.send("print(x)\u0004");
        assertEquals("OK6\r\n\u0004\u0004>", runner.readThrough("\u0004>"));
    }

    @Test
    void pasteModeRunsWhatWasPasted() throws Exception {
        start();
        runner.send("\u0005");
        assertEquals("\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ",
                runner.readThrough("=== "));
        runner.send("a = 6\rprint(a * 7)\r\u0004");
        assertEquals("a = 6\r\n=== print(a * 7)\r\n=== \r\n42\r\n>>> ", runner.readThrough(PROMPT));
    }

    @Test
    void pasteModeEchoesEachByteRawAsABoardDoesAndCooksWhatTheCodePrints() throws Exception {
        start();
        runner.send("\u0005");
        assertEquals("\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ", runner.readThrough("=== "));
        // As Thonny pastes: "\n" line ends, each echoed as it came (pyexec.c sends "\r\n=== " for "\r" only).
        runner.send("a = 6\nprint(a * 7)\r\nprint('x\\ny')\n");
        assertEquals("a = 6\nprint(a * 7)\r\n=== \nprint('x\\ny')\n", runner.readThrough("y')\n"));
        runner.send("\u0004");
        assertEquals("\r\n42\r\nx\r\ny\r\n>>> ", runner.readThrough(PROMPT));
        runner.send("\u0005");
        runner.readThrough("=== ");
        runner.send("x\n\u0003print(1)\r");
        assertEquals("x\n\r\n>>> print(1)\r\n1\r\n>>> ", runner.readThrough("1\r\n>>> "));
    }

    @Test
    void theRootIsSlashAndTheCurrentDirectory() throws Exception {
        Files.writeString(root.resolve("a.txt"), "A");
        Files.createDirectory(root.resolve("lib"));
        Files.writeString(root.resolve("lib").resolve("b.py"), "B = 1\n");
        start();
        assertEquals("", line("import os"));
        assertEquals("'/'\r\n", line("os.getcwd()"));
        assertEquals("['a.txt', 'lib']\r\n", line("sorted(os.listdir('/'))"));
        assertEquals("['a.txt', 'lib']\r\n", line("sorted(os.listdir())"));
        assertEquals("[('a.txt', 32768, 0, 1), ('lib', 16384, 0, 0)]\r\n", line("sorted(os.ilistdir('/'))"));
        assertEquals("(32768, 1)\r\n", line("os.stat('/a.txt')[0], os.stat('a.txt')[6]"));
        assertEquals("16384\r\n", line("os.stat('lib')[0]"));
        assertEquals("True\r\n", line("abs(os.stat('a.txt')[8] - " + Files.getLastModifiedTime(root.resolve("a.txt")).toMillis() / 1000 + ") <= 1"));
        assertEquals("1\r\n", line("import b; b.B"));
        assertEquals("", line("os.chdir('lib')"));
        assertEquals("('/lib', ['b.py'])\r\n", line("os.getcwd(), os.listdir()"));
        assertEquals("True\r\n", line("os.statvfs('/')[0] > 0"));
    }

    @Test
    void osUnameAndMachineSoftResetExistAsOnABoard() throws Exception {
        start();
        assertEquals("('webassembly', True, True)\r\n",
                line("import os, sys, machine; u = os.uname(); u.sysname, u.release == '.'.join(str(n) for n in "
                        + "sys.implementation.version[:3]), callable(machine.soft_reset)"));
        // A board's version: "v<tag> on <date>", what sys.version says after "MicroPython ".
        assertEquals("True\r\n", line("'MicroPython ' + u.version == sys.version.split('; ')[1]"));
        // Thonny's back end reads machine.unique_id() at connect (and fails without an id).
        assertEquals("b'webrepl\\x01'\r\n", line("machine.unique_id()"));
    }

    @Test
    void uosIsOsWithUnameInEveryVm() throws Exception {
        start();
        // mpfshell: "import uos" (else os), then uos.uname()[0]; a bare "import uos" finds the built-in.
        assertEquals("webassembly\r\n", line("import uos; print(uos.uname()[0])"));
        assertEquals("(True, True)\r\n", line("import os; from uos import uname; os is uos, uname is os.uname"));
        runner.send("\u0004");
        runner.readThrough(PROMPT);
        assertEquals("webassembly\r\n", line("import uos; print(uos.uname()[0])"));
    }

    @Test
    void aHostFileIsReadInTheReplAndAReplFileOnTheHost() throws Exception {
        Files.writeString(root.resolve("host.txt"), "from host\nline 2\n");
        Files.write(root.resolve("bytes.bin"), new byte[] {0, 1, (byte) 0xff, 10});
        start();
        assertEquals("'from host\\nline 2\\n'\r\n", line("open('host.txt').read()"));
        assertEquals("['from host\\n', 'line 2\\n']\r\n", line("[l for l in open('/host.txt')]"));
        assertEquals("b'\\x00\\x01\\xff\\n'\r\n", line("open('bytes.bin', 'rb').read()"));
        assertEquals("", line("f = open('made.txt', 'w')"));
        assertEquals("10\r\n", line("f.write('from repl\\n')"));
        assertEquals("", line("f.close()"));
        assertEquals("from repl\n", Files.readString(root.resolve("made.txt")));
        assertEquals("2\r\n", line("f = open('made.txt', 'a'); f.write(b'\\x00\\xfe'); f.close()"));
        assertEquals("from repl\n\u0000\u00fe", new String(Files.readAllBytes(root.resolve("made.txt")), StandardCharsets.ISO_8859_1));
        assertEquals("", line("import os; os.mkdir('d'); os.rename('made.txt', 'd/moved.txt')"));
        assertEquals("from repl\n\u0000\u00fe",
                new String(Files.readAllBytes(root.resolve("d").resolve("moved.txt")), StandardCharsets.ISO_8859_1));
        assertEquals("", line("os.remove('d/moved.txt'); os.rmdir('d')"));
        assertFalse(Files.exists(root.resolve("d")));
    }

    @Test
    void errorsCarryABoardsErrnoValues() throws Exception {
        Files.createDirectory(root.resolve("dir"));
        Files.writeString(root.resolve("dir").resolve("f"), "x");
        start();
        assertEquals("", line("import os"));
        defineErrno();
        assertEquals("2\r\n", line("e(open, 'missing')"));
        assertEquals("17\r\n", line("e(os.mkdir, 'dir')"));
        assertEquals("21\r\n", line("e(open, 'dir')"));
        assertEquals("21\r\n", line("e(os.remove, 'dir')"));
        assertEquals("39\r\n", line("e(os.rmdir, 'dir')"));
        assertEquals("20\r\n", line("e(os.listdir, 'dir/f')"));
        assertEquals("2\r\n", line("e(os.stat, 'dir/missing')"));
    }

    @Test
    void dotDotAtTheRootStaysAtTheRoot() throws Exception {
        Files.writeString(root.resolve("inside.txt"), "in");
        start();
        assertEquals("", line("import os"));
        assertEquals("['inside.txt']\r\n", line("os.listdir('/../..')"));
        assertEquals("['inside.txt']\r\n", line("os.listdir('../outside/..')"));
        assertEquals("'in'\r\n", line("open('/../../inside.txt').read()"));
        assertEquals("", line("os.chdir('../../..')"));
        assertEquals("'/'\r\n", line("os.getcwd()"));
        defineErrno();
        assertEquals("2\r\n", line("e(open, '../outside/secret.txt')"));
        assertEquals("2\r\n", line("e(open, '/../outside/new.txt', 'w')"));
        assertFalse(Files.exists(outside.resolve("new.txt")));
    }

    @Test
    void symbolicLinksLeadingOutOfTheRootAreAbsent() throws Exception {
        Files.createSymbolicLink(root.resolve("dirlink"), outside);
        Files.createSymbolicLink(root.resolve("filelink"), outside.resolve("secret.txt"));
        Files.writeString(root.resolve("plain.txt"), "p");
        start();
        assertEquals("", line("import os"));
        assertEquals("['plain.txt']\r\n", line("os.listdir('/')"));
        defineErrno();
        assertEquals("2\r\n", line("e(open, 'filelink')"));
        assertEquals("2\r\n", line("e(open, 'filelink', 'w')"));
        assertEquals("2\r\n", line("e(open, 'filelink', 'a')"));
        assertEquals("2\r\n", line("e(open, 'dirlink/secret.txt')"));
        assertEquals("2\r\n", line("e(open, 'dirlink/new.txt', 'w')"));
        assertEquals("2\r\n", line("e(os.listdir, 'dirlink')"));
        assertEquals("2\r\n", line("e(os.stat, 'dirlink')"));
        assertEquals("2\r\n", line("e(os.chdir, 'dirlink')"));
        assertEquals("2\r\n", line("e(os.remove, 'dirlink/secret.txt')"));
        assertEquals("2\r\n", line("e(os.rename, 'dirlink/secret.txt', 'stolen.txt')"));
        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));
        assertFalse(Files.exists(outside.resolve("new.txt")));
        assertFalse(Files.exists(root.resolve("stolen.txt")));
    }

    @Test
    void softResetAtThePromptKeepsTheProcessAndStartsAFreshVm() throws Exception {
        start();
        long pid = runner.pid();
        assertEquals("", line("x = 1"));
        runner.send("\u0004");
        String reboot = runner.readThrough(PROMPT);
        assertTrue(reboot.startsWith("\r\nMPY: soft reboot\r\n")
                && BANNER.matcher(reboot.substring("\r\nMPY: soft reboot\r\n".length())).matches(),
                RunnerProcess.printable(reboot));
        assertTrue(runner.isAlive());
        assertEquals(pid, runner.pid());
        assertEquals("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
                + "NameError: name 'x' isn't defined\r\n", line("x"));
        runner.send("import machine; machine.soft_reset()\r");
        reboot = runner.readThrough(PROMPT);
        assertTrue(reboot.startsWith("import machine; machine.soft_reset()\r\nMPY: soft reboot\r\n"),
                RunnerProcess.printable(reboot));
        runner.send("import sys; sys.exit()\r");
        reboot = runner.readThrough(PROMPT);
        assertTrue(reboot.startsWith("import sys; sys.exit()\r\nMPY: soft reboot\r\n"), RunnerProcess.printable(reboot));
        assertEquals("2\r\n", line("1+1"));
    }

    @Test
    void softResetInTheRawReplStaysInTheRawRepl() throws Exception {
        start();
        enterRawRepl();
        runner.send("\u0004");
        assertEquals("OK\r\nMPY: soft reboot\r\n" + RAW_GREETING, runner.readThrough(RAW_GREETING));
        runner.send("import machine; machine.soft_reset()\u0004");
        assertEquals("OK\u0004\u0004MPY: soft reboot\r\n" + RAW_GREETING, runner.readThrough(RAW_GREETING));
        runner.send("print('again')\u0004");
        assertEquals("OKagain\r\n\u0004\u0004>", runner.readThrough("\u0004>"));
    }

    @Test
    void inputAfterASoftResetReachesTheNewVm() throws Exception {
        start();
        runner.send("\u0004" + "6*7\r");
        runner.readThrough("MPY: soft reboot\r\n");
        runner.readThrough(PROMPT);
        assertEquals("6*7\r\n42\r\n>>> ", runner.readThrough(PROMPT));
    }

    @Test
    void inputSentBeforeTheVmIsReadyIsTakenInOrderAtItsPrompt() throws Exception {
        // Thonny sends Ctrl-C at once after connecting; nothing is lost or taken early.
        runner = RunnerProcess.start(Files.createDirectory(dir.resolve("runner")), root);
        runner.send("\u0003" + "6*7\r");
        String banner = runner.readThrough(PROMPT);
        assertTrue(BANNER.matcher(banner.substring(2)).matches(), RunnerProcess.printable(banner));
        assertEquals("\r\n>>> ", runner.readThrough(PROMPT));
        assertEquals("6*7\r\n42\r\n>>> ", runner.readThrough(PROMPT));
    }

    @Test
    void ctrlCAtThePromptCancelsTheLine() throws Exception {
        start();
        runner.send("abc");
        assertEquals("abc", runner.readThrough("abc"));
        runner.send("\u0003");
        assertEquals("\r\n>>> ", runner.readThrough(PROMPT));
    }

    @Test
    void ctrlCInterruptsCodeThatCallsOut() throws Exception {
        start();
        assertEquals("", line("import time"));
        runner.send("while True: time.sleep_ms(1)\r\r");
        assertEquals("while True: time.sleep_ms(1)\r\n... \r\n", runner.readThrough("... \r\n"));
        runner.send("\u0003");
        assertEquals("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
                + "KeyboardInterrupt: \r\n>>> ", runner.readThrough(PROMPT));
        assertEquals("3\r\n", line("1+2"));
    }

    @Test
    void ctrlCEndsATightLoopByRestartingTheVm() throws Exception {
        start("--interrupt-grace-ms", "200");
        runner.send("while True: pass\r\r");
        assertEquals("while True: pass\r\n... \r\n", runner.readThrough("... \r\n"));
        runner.send("\u0003");
        String out = runner.readThrough(PROMPT);
        assertTrue(out.startsWith("\r\nKeyboardInterrupt\r\nMPY: soft reboot\r\n")
                && BANNER.matcher(out.substring("\r\nKeyboardInterrupt\r\nMPY: soft reboot\r\n".length())).matches(),
                RunnerProcess.printable(out));
        assertEquals("3\r\n", line("1+2"));
    }

    @Test
    void ctrlCEndsATightLoopInTheRawReplWithTheRawReplsEnding() throws Exception {
        start("--interrupt-grace-ms", "200");
        enterRawRepl();
        runner.send("while True: pass\u0004");
        assertEquals("OK", runner.readThrough("OK"));
        runner.send("\u0003");
        assertEquals("\u0004KeyboardInterrupt\r\n\u0004>", runner.readThrough("\u0004>"));
        runner.send("print(5)\u0004");
        assertEquals("OK5\r\n\u0004\u0004>", runner.readThrough("\u0004>"));
    }

    @Test
    void inputReadsTheReplsInputAndEchoesIt() throws Exception {
        start();
        runner.send("x = input('name? ')\r");
        assertEquals("x = input('name? ')\r\nname? ", runner.readThrough("\r\nname? "));
        runner.send("abd\u007fc\r");
        assertEquals("abd\b \bc\r\n>>> ", runner.readThrough(PROMPT));
        assertEquals("'abc'\r\n", line("x"));
        runner.send("input()\r");
        assertEquals("input()\r\n", runner.readThrough("\r\n"));
        runner.send("ab\u0003");
        String interrupted = runner.readThrough(PROMPT);
        assertTrue(Pattern.matches("ab\r\nTraceback \\(most recent call last\\):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
                + "  File \"hostvfs.py\", line \\d+, in _input\r\nKeyboardInterrupt: \r\n>>> ", interrupted),
                RunnerProcess.printable(interrupted));
    }

    @Test
    void endOfInputEndsTheProcessWithStatusZero() throws Exception {
        start();
        runner.send("print('last')\r");
        int[] status = new int[1];
        assertEquals("print('last')\r\nlast\r\n>>> ", runner.closeAndReadRest(status));
        assertEquals(0, status[0]);
    }

    @Test
    void theJsModuleCannotReadOutsideTheRootOnNode20() throws Exception {
        Path[] found = RunnerProcess.requireNodeAndPackage();
        assumeTrue(WasmRunner.nodeVersion(found[0])[0] >= 20, "Node's permission model needs Node 20");
        start();
        String path = outside.resolve("secret.txt").toString();
        assertEquals("", line("import js"));
        // The promise settles after the prompt, so its line follows it.
        String code = "js.Function(\"return import('node:fs').then(fs => fs.readFileSync('" + path
                + "', 'utf8'))\")().then(lambda v: print('READ', v), lambda e: print('DENIED'))";
        runner.send(code + "\r");
        String echoed = runner.readThrough(PROMPT);
        assertTrue(echoed.startsWith(code + "\r\n<JsProxy "), RunnerProcess.printable(echoed));
        assertEquals("DENIED\r\n", runner.readThrough("\r\n"));
    }
}
