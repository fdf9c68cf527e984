package dev.webrepl.engines.jshell;

import java.util.List;
import java.util.Objects;

/**
 * How the {@code jshell} engine builds its JShell instances.
 *
 * @param execution where user code runs: {@link Execution#REMOTE} (a child JVM per session, the
 *     default) or {@link Execution#LOCAL} (the server's JVM, for trusted use)
 * @param remoteVmOptions JVM options of the child JVM ({@code --jshell-vm-options}); ignored for LOCAL
 * @param startup snippets evaluated when an instance starts, before the user sees it; the jshell
 *     tool's DEFAULT start-up imports unless told otherwise
 * @param childClasses the child JVMs' class path and class archive (REMOTE): a server's own
 *     ({@link ChildClasses#create}), or {@link ChildClasses#ENGINES}
 */
public record JShellConfig(Execution execution, List<String> remoteVmOptions, List<String> startup,
        ChildClasses childClasses) {
    /** Where user code runs. */
    public enum Execution {
        /** JShell's standard remote execution: a child JVM per instance, so user code cannot stop the server. */
        REMOTE,
        /**
         * In the server's JVM: about 5 MB and a few ms per session, for trusted use only.
         * {@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt} in user code end only the
         * session (the calls are rewritten when the snippet's classes load; reflective calls are not).
         * {@code System.out}/{@code System.err} in user code are rewritten the same way to this
         * session's terminal (JShell's local execution would leave them the server's). Ctrl-C works
         * (ThreadGroup.stop).
         */
        LOCAL
    }

    /**
     * A small heap and a quick start for the child JVM (notes/java-stack-findings.md Q4), and a small
     * footprint (BENCHMARKS "JShell at scale"): the JDK's class-data archive mapped at its own address
     * ({@code ArchiveRelocationMode=0}; JDK 17.0.x updates relocate it by default, which writes to
     * about 6 MB of its pages in every JVM, so they are no longer shared between the children), the
     * serial collector and no perf-data file. User code runs in the child anyway, so the archive's
     * address randomization protects nothing there.
     */
    public static final List<String> DEFAULT_REMOTE_VM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");

    /** The jshell tool's DEFAULT start-up script. */
    public static final List<String> DEFAULT_STARTUP = List.of(
            "import java.io.*;",
            "import java.math.*;",
            "import java.net.*;",
            "import java.nio.file.*;",
            "import java.util.*;",
            "import java.util.concurrent.*;",
            "import java.util.function.*;",
            "import java.util.prefs.*;",
            "import java.util.regex.*;",
            "import java.util.stream.*;");

    public JShellConfig {
        Objects.requireNonNull(execution, "execution");
        remoteVmOptions = List.copyOf(remoteVmOptions);
        startup = List.copyOf(startup);
        Objects.requireNonNull(childClasses, "childClasses");
    }

    /** The child JVMs with the engines' own class path and no class archive. */
    public JShellConfig(Execution execution, List<String> remoteVmOptions, List<String> startup) {
        this(execution, remoteVmOptions, startup, ChildClasses.ENGINES);
    }

    /** Remote execution, the default VM options and the default start-up. */
    public static JShellConfig defaults() {
        return new JShellConfig(Execution.REMOTE, DEFAULT_REMOTE_VM_OPTIONS, DEFAULT_STARTUP);
    }

    public JShellConfig withExecution(Execution execution) {
        return new JShellConfig(execution, remoteVmOptions, startup, childClasses);
    }

    public JShellConfig withRemoteVmOptions(List<String> options) {
        return new JShellConfig(execution, options, startup, childClasses);
    }

    public JShellConfig withStartup(List<String> snippets) {
        return new JShellConfig(execution, remoteVmOptions, snippets, childClasses);
    }

    /** Its child JVMs started as {@code classes} says (a server's own, made on first use). */
    public JShellConfig withChildClasses(ChildClasses classes) {
        return new JShellConfig(execution, remoteVmOptions, startup, classes);
    }
}
