package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.LineEvaluator.Completion;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Output formats and commands, on LOCAL execution (a fresh instance per test costs milliseconds). */
class JShellEvaluatorTest {
    private final JShellEvaluator jshell =
            new JShellEvaluator(() -> JShellInstance.start(JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)));
    private final Terminal terminal = new Terminal();

    @AfterEach
    void close() {
        jshell.close();
    }

    private String eval(String input) {
        return terminal.eval(jshell, input);
    }

    @Test
    void promptsAreThoseOfTheJShellTool() {
        assertEquals("jshell> ", jshell.prompt());
        assertEquals("   ...> ", jshell.continuationPrompt());
    }

    @Test
    void aDeclarationPrintsItsNameAndValue() {
        assertEquals("x ==> 1\r\n", eval("int x = 1"));
    }

    @Test
    void anExpressionGetsTheNextTemporaryName() {
        eval("int x = 1");

        assertEquals("$2 ==> 2\r\n", eval("x + 1"));
    }

    @Test
    void anExpressionInTheStartUpTakesNoNumberOfTheUsers() {
        JShellConfig config = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)
                .withStartup(java.util.List.of("import java.util.*;", "\"start\".length()"));
        try (JShellEvaluator started = new JShellEvaluator(() -> JShellInstance.start(config))) {
            assertEquals("$1 ==> 2\r\n", terminal.eval(started, "1 + 1"));
            assertEquals("\r\n  s1 : import java.util.*;\r\n  s2 : \"start\".length()\r\n",
                    terminal.eval(started, "/list -start"));
        }
    }

    @Test
    void aLocalSessionKeepsNoThreadGroupOfItsEvaluations() {
        // JDK 17 makes a ThreadGroup per snippet run and keeps it until it is destroyed.
        int before = threadGroups();
        JShellConfig config = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
        try (JShellEvaluator local = new JShellEvaluator(() -> JShellInstance.start(config))) {
            for (int i = 0; i < 20; i++) {
                assertEquals("$" + (i + 1) + " ==> " + i + "\r\n", terminal.eval(local, "0 + " + i));
            }
            assertEquals("ended\r\n", terminal.eval(local,
                    "Thread t = new Thread(() -> {}); t.start(); t.join(); System.out.println(\"ended\")")
                    .replaceAll("t ==> .*\r\n", ""));
            assertTrue(threadGroups() <= before + 1, "at most the session's own group while it is open");
        }
        assertEquals(before, threadGroups());
    }

    @Test
    void aLocalSessionLeavesTheJvmsDefaultUncaughtExceptionHandlerAsItWas() {
        // JDK's local execution sets its own at every run: server threads' deaths would go unreported.
        assertEquals(null, Thread.getDefaultUncaughtExceptionHandler());
        assertEquals("$1 ==> 2\r\n", eval("1 + 1"));
        assertEquals(null, Thread.getDefaultUncaughtExceptionHandler());
    }

    /** How many thread groups the JVM has (each group's subgroups counted). */
    private static int threadGroups() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        ThreadGroup[] all = new ThreadGroup[root.activeGroupCount() + 16];
        return root.enumerate(all, true);
    }

    @Test
    void aVariableNamePrintsItsValue() {
        eval("int x = 1");

        assertEquals("x ==> 1\r\n", eval("x"));
    }

    @Test
    void stringsAreQuoted() {
        assertEquals("$1 ==> \"a-b\"\r\n", eval("String.join(\"-\", \"a\", \"b\")"));
    }

    @Test
    void aMethodIsCreatedThenModified() {
        assertEquals("|  created method f()\r\n", eval("int f() { return 1; }"));
        assertEquals("|  modified method f()\r\n", eval("int f() { return 2; }"));
        assertEquals("$3 ==> 2\r\n", eval("f()"));
    }

    @Test
    void aMethodWithAMissingDependencyIsCreatedButCannotBeInvoked() {
        assertEquals("|  created method g(), however, it cannot be invoked until method h() is declared\r\n",
                eval("void g() { h(); }"));
    }

    @Test
    void aClassIsCreated() {
        assertEquals("|  created class A\r\n", eval("class A {}"));
    }

    @Test
    void anExceptionPrintsItsClassMessageAndSnippetFrames() {
        eval("int div(int a) { return 1 / a; }");

        assertEquals("|  Exception java.lang.ArithmeticException: / by zero\r\n"
                + "|        at div (#1:1)\r\n"
                + "|        at (#2:1)\r\n", eval("div(0)"));
    }

    @Test
    void aCompileErrorShowsTheMessageTheLineAndMarks() {
        assertEquals("|  Error:\r\n"
                + "|  incompatible types: java.lang.String cannot be converted to int\r\n"
                + "|  int y = \"a\";\r\n"
                + "|          ^-^\r\n", eval("int y = \"a\";"));
    }

    @Test
    void anUnknownSymbolDropsTheLocationLine() {
        assertEquals("|  Error:\r\n"
                + "|  cannot find symbol\r\n"
                + "|    symbol:   variable nope\r\n"
                + "|  nope\r\n"
                + "|  ^--^\r\n", eval("nope"));
    }

    @Test
    void snippetsCompileAgainstTheJdkOnlyNotTheServersClassPath() {
        // The server's own classes (and its libraries) are on the test's class path, but not the snippets'.
        assertEquals("|  Error:\r\n"
                + "|  package dev.webrepl.engines.jshell does not exist\r\n"
                + "|  dev.webrepl.engines.jshell.JShellConfig.defaults()\r\n"
                + "|  ^-------------------------------------^\r\n", eval("dev.webrepl.engines.jshell.JShellConfig.defaults()"));
        assertEquals("$2 ==> 3\r\n", eval("java.util.List.of(1, 2, 3).size()"));
    }

    @Test
    void completenessComesFromJShell() {
        assertFalse(jshell.isComplete("int f() {"));
        assertFalse(jshell.isComplete("int a = 1; int f() {"));
        assertTrue(jshell.isComplete("int f() { return 1; }"));
        assertTrue(jshell.isComplete("1 +  1"));
        assertTrue(jshell.isComplete("/vars"));
        assertTrue(jshell.isComplete(""));
    }

    @Test
    void everySnippetOfAnInputIsEvaluatedInOrder() {
        assertEquals("a ==> 1\r\nb ==> 2\r\n$3 ==> 4\r\n", eval("int a = 1; int b = a + 1; b * 2"));
    }

    @Test
    void aMultiLineSnippetIsOneSnippet() {
        assertEquals("|  created method f()\r\n", eval("int f() {\n  return 1;\n}"));
    }

    @Test
    void commentsAreNotCommands() {
        assertEquals("$1 ==> 2\r\n", eval("/* note */ 1 + 1"));
        assertEquals("", eval("// note"));
    }

    @Test
    void varsListsTypeNameAndValue() {
        eval("int x = 1");
        eval("String s = \"t\"");

        assertEquals("|    int x = 1\r\n|    String s = \"t\"\r\n", eval("/vars"));
    }

    @Test
    void importsListsTheDefaultStartUp() {
        assertTrue(eval("/imports").contains("|    import java.util.*\r\n"));
    }

    @Test
    void methodsAndTypesAreListed() {
        eval("String f(int a, String b) { return b; }");
        eval("interface I {}");

        assertEquals("|    String f(int,String)\r\n", eval("/methods"));
        assertEquals("|    interface I\r\n", eval("/types"));
    }

    @Test
    void resetForgetsEverything() {
        eval("int x = 1");

        assertEquals("|  Resetting state.\r\n", eval("/reset"));
        assertEquals("", eval("/vars"));
        assertTrue(eval("x").startsWith("|  Error:\r\n|  cannot find symbol"));
    }

    @Test
    void exitSaysGoodbyeAndFinishes() {
        assertFalse(jshell.finished());

        assertEquals("|  Goodbye\r\n", eval("/exit"));
        assertTrue(jshell.finished());
    }

    @Test
    void anUnknownCommandIsInvalid() {
        assertEquals("|  Invalid command: /foo (/help lists the commands)\r\n", eval("/foo bar"));
    }

    @Test
    void completionOfStrOffersString() {
        Completion completion = jshell.complete("Str", 3);

        assertEquals(0, completion.anchor());
        assertTrue(completion.candidates().contains("String"), completion.candidates().toString());
        assertEquals(completion.candidates().stream().distinct().toList(), completion.candidates());
    }

    @Test
    void completionAnchorsAtTheWordBeingCompleted() {
        Completion completion = jshell.complete("\"abc\".len", 9);

        assertEquals(6, completion.anchor());
        assertTrue(completion.candidates().contains("length()"), completion.candidates().toString());
    }

    @Test
    void interruptStopsAnEndlessLoopInLocalExecution() throws Exception {
        eval("1");
        CompletableFuture<String> loop = CompletableFuture.supplyAsync(() -> eval("while (true) {}"));
        assertTrue(Terminal.await(jshell::isBusy, Duration.ofSeconds(10)));

        assertTrue(Terminal.interruptUntilDone(jshell, loop));
        loop.get(1, TimeUnit.SECONDS);
        // $3, or $2 when the Ctrl-C came while the loop still waited to compile (then it never ran).
        assertTrue(eval("1 + 1").matches("\\$[23] ==> 2\r\n"));
    }

    @Test
    void systemExitInLocalExecutionEndsOnlyThisSession() {
        assertEquals("|  Session ended: exit status 3\r\n", eval("System.exit(3)"));
        assertTrue(jshell.finished());
        // The server's JVM is still here (this test is running), and so is any other session:
        JShellEvaluator other = new JShellEvaluator(
                () -> JShellInstance.start(JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)));
        try {
            assertEquals("$1 ==> 2\r\n", terminal.eval(other, "1 + 1"));
        } finally {
            other.close();
        }
    }

    @Test
    void runtimeHaltAndRuntimeExitInsideMethodsAreTrappedToo() {
        eval("void stop() { Runtime.getRuntime().halt(7); }");
        assertEquals("|  Session ended: exit status 7\r\n", eval("stop()"));
        assertTrue(jshell.finished());
    }

    @Test
    void runtimeExitIsTrapped() {
        assertEquals("|  Session ended: exit status 5\r\n", eval("Runtime.getRuntime().exit(5)"));
    }

    @Test
    void userOutputOfALocalSessionReachesItsTerminal() {
        assertEquals("hi\r\noops\r\n", eval("System.out.println(\"hi\"); System.err.println(\"oops\");"));
    }

    @Test
    void twoLocalSessionsPrintToTheirOwnTerminals() {
        JShellEvaluator other = new JShellEvaluator(
                () -> JShellInstance.start(JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)));
        try {
            Terminal otherTerminal = new Terminal();
            assertEquals("mine\r\n", eval("System.out.println(\"mine\")"));
            assertEquals("theirs\r\n", otherTerminal.eval(other, "System.out.println(\"theirs\")"));
            assertEquals("mine again\r\n", eval("System.out.println(\"mine again\")"));
        } finally {
            other.close();
        }
    }
}
