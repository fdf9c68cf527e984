package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.LineEvaluator.Completion;
import dev.webrepl.core.engine.Pausable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** The jshell tool's commands on the JShell API, LOCAL execution, files in a temporary file root. */
class JShellCommandsTest {
    private final JShellEvaluator jshell =
            new JShellEvaluator(() -> JShellInstance.start(JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)));
    private final Terminal terminal = new Terminal();
    @TempDir
    Path root;

    @BeforeEach
    void start() {
        jshell.start(new RootOnly(root));
    }

    @AfterEach
    void close() {
        jshell.close();
    }

    private String eval(String input) {
        return terminal.eval(jshell, input);
    }

    @Test
    void helpStartsWithWhatCanBeTypedAndListsOneCommandALine() {
        String help = eval("/help");

        assertTrue(help.startsWith("|  Type Java (expressions, statements, declarations) or one of these commands:\r\n"), help);
        assertEquals(12, help.split("\r\n").length, help);
        assertTrue(help.contains("\r\n|  /open FILE                   runs FILE from the session's file root as if typed\r\n"), help);
        assertEquals(help, eval("/?"));
    }

    @Test
    void listShowsTheActiveSnippetsWithTheirIds() {
        eval("int x = 1");
        eval("x + 1");

        assertEquals("\r\n   1 : int x = 1;\r\n   2 : x + 1\r\n", eval("/list"));
    }

    @Test
    void listIndentsTheLinesOfAMultiLineSnippet() {
        eval("int f() {\n  return 1;\n}");

        assertEquals("\r\n   1 : int f() {\r\n         return 1;\r\n       }\r\n", eval("/list"));
    }

    @Test
    void listLeavesOutOverwrittenAndRejectedSnippetsButAllShowsThemAndTheStartUp() {
        eval("int f() { return 1; }");
        eval("int f() { return 2; }");
        eval("nope");

        assertEquals("\r\n   2 : int f() { return 2; }\r\n", eval("/list"));
        String all = eval("/list -all");
        assertTrue(all.startsWith("\r\n  s1 : import java.io.*;\r\n"), all);
        assertTrue(all.endsWith("\r\n s10 : import java.util.stream.*;\r\n   1 : int f() { return 1; }\r\n"
                + "   2 : int f() { return 2; }\r\n   3 : nope\r\n"), all);
    }

    @Test
    void listByIdOrNameAndAnUnknownOne() {
        eval("int x = 1");
        eval("int y = 2");

        assertEquals("\r\n   2 : int y = 2;\r\n", eval("/list y"));
        assertEquals("\r\n   1 : int x = 1;\r\n", eval("/list 1"));
        assertEquals("|  No such snippet: z\r\n", eval("/list z"));
    }

    @Test
    void listOfNothingPrintsNothing() {
        assertEquals("", eval("/list"));
    }

    @Test
    void varsListsTheVariablesAfterTwoSnippets() {
        eval("int x = 1");
        eval("x + 1");

        assertEquals("|    int x = 1\r\n|    int $2 = 2\r\n", eval("/vars"));
    }

    @Test
    void dropRemovesADeclarationByNameOrId() {
        eval("int x = 1");
        eval("void f() {}");

        assertEquals("|  dropped variable x\r\n", eval("/drop x"));
        assertEquals("|  dropped method f()\r\n", eval("/drop 2"));
        assertEquals("", eval("/vars"));
        assertEquals("", eval("/list"));
        assertEquals("|  No such snippet: x\r\n", eval("/drop x"));
    }

    @Test
    void dropRefusesAStatement() {
        eval("System.out.print(\"\")");

        assertEquals("|  not an active declaration or import, cannot be dropped: 1\r\n", eval("/drop 1"));
    }

    @Test
    void saveWritesEachSnippetsSourceAndALineFeed() throws IOException {
        eval("int x = 1");
        eval("int twice(int a) {\n  return 2 * a;\n}");
        eval("twice(x)");

        assertEquals("", eval("/save s.jsh"));
        assertEquals("int x = 1;\nint twice(int a) {\n  return 2 * a;\n}\ntwice(x)\n",
                Files.readString(root.resolve("s.jsh")));
    }

    @Test
    void openAfterResetRunsTheSavedSnippetsAgain() {
        eval("int x = 1");
        eval("int twice(int a) {\n  return 2 * a;\n}");
        eval("twice(x)");
        String listed = eval("/list");
        eval("/save s.jsh");
        eval("/reset");

        assertEquals("x ==> 1\r\n|  created method twice(int)\r\n$3 ==> 2\r\n", eval("/open s.jsh"));
        assertEquals(listed, eval("/list"));
    }

    @Test
    void openRunsCommandsOnTheirOwnLines() throws IOException {
        Files.writeString(root.resolve("c.jsh"), "int a = 1;\n\n/vars\n/open c.jsh\n/exit\nint b = 2;\n");

        assertEquals("a ==> 1\r\n|    int a = 1\r\n|  /open inside an opened file is not run: /open c.jsh\r\n|  Goodbye\r\n",
                eval("/open c.jsh"));
        assertTrue(jshell.finished());
    }

    @Test
    void openOfAFileLargerThanOneMebibyteIsRefused() throws IOException {
        Files.write(root.resolve("big.jsh"), new byte[SessionFiles.MAX_OPEN_BYTES + 1]);

        assertEquals("|  /open: larger than 1 MiB: big.jsh\r\n", eval("/open big.jsh"));
    }

    @Test
    void openOfAMissingFileSaysSo() {
        assertEquals("|  /open: no such file: none.jsh\r\n", eval("/open none.jsh"));
    }

    @Test
    void openAndSaveOutsideTheFileRootAreRefused() {
        eval("int x = 1");

        assertEquals("|  /open: '..' is not allowed: ../x\r\n", eval("/open ../x"));
        assertEquals("|  /save: an absolute path is not allowed, name a file in the session's file root: /etc/x\r\n",
                eval("/save /etc/x"));
        assertEquals("|  /save: '..' is not allowed: a/../../x\r\n", eval("/save a/../../x"));
        assertEquals("|  /save: reserved: .webrepl/x\r\n", eval("/save .webrepl/x"));
        assertFalse(Files.exists(root.getParent().resolve("x")));
    }

    @Test
    void aLinkInTheFileRootIsNeitherOpenedNorWrittenThrough() throws IOException {
        Path outside = Files.writeString(Files.createTempFile("outside", ".jsh"), "int secret = 1;\n");
        try {
            Files.createSymbolicLink(root.resolve("link.jsh"), outside);
            eval("int x = 1");

            assertEquals("|  /open: a link is never followed: link.jsh\r\n", eval("/open link.jsh"));
            assertTrue(eval("/save link.jsh").startsWith("|  /save: a link is never written through"));
            assertEquals("int secret = 1;\n", Files.readString(outside));
        } finally {
            Files.delete(outside);
        }
    }

    @Test
    void saveAndOpenNeedAFileName() {
        assertEquals("|  /save needs a file name: /save [-all|-start] FILE\r\n", eval("/save"));
        assertEquals("|  /open needs a file name: /open FILE\r\n", eval("/open"));
    }

    @Test
    void anUnknownCommandSaysSoAndPointsAtHelp() {
        assertEquals("|  Invalid command: /foo (/help lists the commands)\r\n", eval("/foo bar"));
    }

    @Test
    void tabCompletesACommandsNameFromItsSlash() {
        assertEquals(new Completion(1, List.of("/list")), jshell.complete(" /li", 4));
        assertEquals(new Completion(0, List.of("/drop")), jshell.complete("/d", 2));
        assertEquals(new Completion(0, Commands.NAMES), jshell.complete("/", 1));
        assertEquals(List.of(), jshell.complete("/open s", 7).candidates());
    }

    /** A session context of which the evaluator uses only the file root. */
    private record RootOnly(Path root) implements EngineContext {
        @Override
        public String sessionId() {
            return "test";
        }

        @Override
        public Path workingDirectory() {
            return root;
        }

        @Override
        public Flux<byte[]> input() {
            throw new UnsupportedOperationException();
        }

        @Override
        public EngineOutput output() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pausable(Pausable producer) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void exited(int status) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void failed(Throwable error) {
            throw new UnsupportedOperationException();
        }
    }
}
