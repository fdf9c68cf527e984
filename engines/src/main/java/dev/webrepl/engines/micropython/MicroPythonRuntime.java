package dev.webrepl.engines.micropython;

import dev.webrepl.engines.sandbox.Bubblewrap;
import dev.webrepl.engines.sandbox.Confinement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What runs one MicroPython REPL for the {@code micropython} engine: the unix port's binary (in a
 * bubblewrap sandbox, or bare) or MicroPython's WebAssembly port under Node. Either way the result is
 * a program line that speaks the REPL on its stdin/stdout (a pty) and sees the session's file root as
 * its {@code /}; {@link MicroPythonEngine} adds the pty settings and the soft reset.
 */
public sealed interface MicroPythonRuntime {
    /** The program and arguments that run one REPL whose {@code /} is {@code root} (a host directory). */
    default List<String> command(Path root) {
        return command(root, null);
    }

    /**
     * The same in the session's sandbox {@code confinement} (its namespaces, system view, cgroups and
     * rlimits: README "Sandbox and limits") when given and this runtime is sandboxed; with
     * {@code null}, a sandbox of the runtime's own without limits.
     */
    List<String> command(Path root, Confinement confinement);

    /** Whether this runtime runs MicroPython in a bubblewrap sandbox. */
    boolean sandboxed();

    /** Whether the REPL writes {@code print}'s newlines bare (the unix port leaves them to its tty: see {@link BoardOutput}). */
    boolean bareNewlines();

    /**
     * Starts the runtime once without a terminal, to refuse at server start what would fail every
     * session (no user namespaces for bwrap, a binary that is not MicroPython): empty if it ran the
     * root script, else a one-line reason.
     */
    default Optional<String> probe(Path root, java.time.Duration timeout) {
        return Optional.empty();
    }

    /** Releases what the runtime holds beyond its sessions (the WebAssembly runner's files). */
    default void close() {
    }

    /** For the start line and /health, e.g. {@code micropython /usr/bin/micropython, bubblewrap sandbox}. */
    String describe();

    /** Which MicroPython to run. */
    enum Kind {
        /** The unix binary if one is given or on PATH, else the WebAssembly port if installed. */
        auto,
        /** MicroPython's unix port: {@code --micropython PATH} or {@code micropython} on PATH. */
        unix,
        /** MicroPython's WebAssembly port under Node.js. */
        wasm
    }

    /** How MicroPython (either runtime) is confined. */
    enum Sandbox {
        /** {@code bwrap}: its own mount, pid, network and IPC namespaces; the file root is all it can write. */
        bubblewrap,
        /** No confinement: the REPL can reach everything the server's user can (trusted use only). */
        none
    }

    /**
     * Where, inside the sandbox, the file root is bound; MicroPython's VFS then mounts it as {@code /}.
     * Not {@code /} itself: every mount point under a root bound at {@code /} would be created as a
     * directory in the user's files, and the binary with its libraries must be visible when it starts.
     */
    String SANDBOX_ROOT = "/webrepl/files";
    /** Where, inside the sandbox, the binary is bound (read-only). */
    String SANDBOX_BINARY = "/webrepl/micropython";

    /** Where the root script mounts, for one import, the VFS that serves {@code boardos.py} as {@code os.py}. */
    String BOARD_OS_MOUNT = "/.webrepl-os";

    /**
     * Run by the REPL before its banner: makes the file root MicroPython's {@code /} and the working
     * directory, {@code os} (and {@code uos}) a board's ({@code boardos.py}: the built-in plus
     * {@code uname()}, which mpfshell calls at connect), and {@code sys.path}/{@code sys.argv} what a
     * board has. {@code vfs} is MicroPython 1.23+, {@code os} had the same functions before.
     */
    static String rootScript(String root) {
        return "import sys\n"
                + "try:\n import vfs\nexcept ImportError:\n import os as vfs\n"
                + "try:\n vfs.umount('/')\nexcept OSError:\n pass\n"
                + "vfs.mount(vfs.VfsPosix('" + pythonString(root) + "'), '/')\n"
                + "import os\n"
                + "os.chdir('/')\n"
                + boardOsScript()
                + "sys.path[:] = ['', '.frozen', '/lib']\n"
                + "sys.argv[:] = []\n"
                + "del sys, vfs, os\n";
    }

    /**
     * Imports {@code boardos.py} as the module {@code os} (and makes it {@code uos}) and
     * {@code boardmachine.py} as {@code machine}: those built-ins are extensible, so a file
     * {@code os.py} or {@code machine.py} on {@code sys.path} is imported instead of them; the files are
     * served by a small VFS, mounted for the imports only (an import reads the source through the
     * VFS's {@code stat} and {@code open}).
     */
    private static String boardOsScript() {
        return "import io\n"
                + "class _BoardOs:\n"
                + " files = {'/os.py': b'" + pythonString(BoardModules.OS) + "',\n"
                + "          '/machine.py': b'" + pythonString(BoardModules.MACHINE) + "'}\n"
                + " def mount(self, readonly, mkfs):\n  pass\n"
                + " def umount(self):\n  pass\n"
                + " def stat(self, path):\n"
                + "  if path in self.files:\n   return (0x8000, 0, 0, 0, 0, 0, len(self.files[path]), 0, 0, 0)\n"
                + "  raise OSError(2)\n"
                + " def open(self, path, mode):\n  return io.BytesIO(self.files[path])\n"
                + "vfs.mount(_BoardOs(), '" + BOARD_OS_MOUNT + "')\n"
                + "sys.path[:] = ['" + BOARD_OS_MOUNT + "']\n"
                + "sys.modules.pop('os', None)\n"
                + "sys.modules.pop('machine', None)\n"
                + "import os\n"
                + "import machine\n"
                + "vfs.umount('" + BOARD_OS_MOUNT + "')\n"
                + "sys.modules['uos'] = os\n"
                + "del io, _BoardOs, machine\n";
    }

    /** The board modules' sources, read from the classpath once (every REPL start uses them). */
    final class BoardModules {
        static final String OS = resource("boardos.py");
        static final String MACHINE = resource("boardmachine.py");

        private BoardModules() {
        }
    }

    private static String resource(String name) {
        try (java.io.InputStream in = MicroPythonRuntime.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read resource " + name, e);
        }
    }

    /** {@code s} for a single-quoted Python string literal (a host root with {@code --micropython-sandbox none}). */
    static String pythonString(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r");
    }

    /**
     * The unix port's binary. With {@link Sandbox#bubblewrap} it runs as
     * {@code bwrap [namespaces, system dirs read-only] --ro-bind BINARY /webrepl/micropython --bind ROOT
     * /webrepl/files --chdir /webrepl/files --clearenv ... -- /webrepl/micropython -i -c SCRIPT} (the
     * options from {@link Bubblewrap}, as for every sandboxed engine); MicroPython's own VFS then shows
     * {@code /webrepl/files} as {@code /} (os.listdir('/') lists the file root, as on a board).
     */
    record Native(Path binary, Sandbox sandbox, Path bwrap) implements MicroPythonRuntime {
        public Native {
            if (sandbox == Sandbox.bubblewrap && bwrap == null) {
                throw new IllegalArgumentException("the bubblewrap sandbox needs the bwrap program");
            }
        }

        @Override
        public List<String> command(Path root, Confinement confinement) {
            return command(root, List.of("-i", "-c"), "", confinement);
        }

        @Override
        public boolean sandboxed() {
            return sandbox == Sandbox.bubblewrap;
        }

        /** With the bubblewrap sandbox: runs the root script in it (unconfined, the binary is taken as given). */
        @Override
        public Optional<String> probe(Path root, java.time.Duration timeout) {
            if (sandbox == Sandbox.none) {
                return Optional.empty();
            }
            String marker = "webrepl-probe-ok";
            Path log = null;
            try {
                log = Files.createTempFile("webrepl-micropython-probe", ".txt");
                ProcessBuilder pb = new ProcessBuilder(command(root, List.of("-c"), "print('" + marker + "')\n", null))
                        .redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().clear();
                pb.environment().put("PATH", "/usr/bin:/bin");
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return Optional.of("MicroPython (" + describe() + ") did not answer within " + timeout.toSeconds() + " s");
                }
                String text = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (p.exitValue() == 0 && text.contains(marker)) {
                    return Optional.empty();
                }
                String first = text.strip().lines().findFirst().orElse("no output");
                return Optional.of("MicroPython (" + describe() + ") does not start: status " + p.exitValue() + ": " + first);
            } catch (java.io.IOException e) {
                return Optional.of("MicroPython (" + describe() + ") does not start: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while starting MicroPython");
            } finally {
                if (log != null) {
                    try {
                        Files.deleteIfExists(log);
                    } catch (java.io.IOException ignored) {
                        // a temporary file of a few bytes
                    }
                }
            }
        }

        /** The command running the binary with {@code options} and the root script followed by {@code more}. */
        private List<String> command(Path root, List<String> options, String more, Confinement confinement) {
            if (sandbox == Sandbox.none) {
                List<String> c = new ArrayList<>(List.of(binary.toString()));
                c.addAll(options);
                c.add(rootScript(root.toString()) + more);
                return List.copyOf(c);
            }
            Bubblewrap b = confinement != null ? confinement.bubblewrap()
                    : Bubblewrap.of(bwrap).isolate(false, false).systemDirs().loaderCache();
            b.roBind(binary.toString(), SANDBOX_BINARY).bind(root.toString(), SANDBOX_ROOT).chdir(SANDBOX_ROOT)
                    .environment(Map.of("HOME", "/", "LANG", "C.UTF-8"));
            List<String> program = new ArrayList<>(List.of(SANDBOX_BINARY));
            program.addAll(options);
            program.add(rootScript(SANDBOX_ROOT) + more);
            return confinement != null ? confinement.command(b, program) : b.command(program);
        }

        @Override
        public boolean bareNewlines() {
            return true;
        }

        @Override
        public String describe() {
            return "micropython " + binary + (sandbox == Sandbox.bubblewrap ? ", bubblewrap sandbox" : ", no sandbox");
        }
    }

    /**
     * MicroPython's WebAssembly port, run by {@link WasmRunner}'s {@code runner.mjs} under Node: a board-like
     * REPL on stdin/stdout (board line endings; soft reset handled in the process) whose {@code /} is the
     * root, through its own VFS. With {@link Sandbox#bubblewrap}, Node runs in the same kind of sandbox
     * as the native binary (system directories, the runner and the package read-only, the root
     * read-write at its own path, no network): MicroPython's {@code js} module reaches Node's globals,
     * and Node's permission model does not limit the network.
     */
    final class Wasm implements MicroPythonRuntime {
        private final Path node;
        private final Path packageDir;
        private final Sandbox sandbox;
        private final Path bwrap;
        private final Path runnerDir;
        private final WasmRunner runner;
        // One command per root: building it runs `node --version`.
        private final java.util.concurrent.ConcurrentHashMap<Path, List<String>> commands =
                new java.util.concurrent.ConcurrentHashMap<>();

        private Wasm(Path node, Path packageDir, Sandbox sandbox, Path bwrap, Path runnerDir, WasmRunner runner) {
            this.node = node;
            this.packageDir = packageDir;
            this.sandbox = sandbox;
            this.bwrap = bwrap;
            this.runnerDir = runnerDir;
            this.runner = runner;
        }

        /** Extracts the runner into a private temporary directory, deleted by {@link #close()}. */
        static Wasm create(Path node, Path packageDir, Sandbox sandbox, Path bwrap) throws java.io.IOException {
            Path dir = Files.createTempDirectory("webrepl-micropython-wasm");
            try {
                return new Wasm(node, packageDir, sandbox, bwrap, dir.toRealPath(), WasmRunner.extractTo(dir));
            } catch (java.io.IOException | RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }

        @Override
        public List<String> command(Path root, Confinement confinement) {
            List<String> program = commands.computeIfAbsent(root.toAbsolutePath().normalize(), this::build);
            if (sandbox == Sandbox.none) {
                return program;
            }
            Path realRoot;
            Path realPackage;
            try {
                realRoot = root.toRealPath();
                realPackage = packageDir.toRealPath();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot run MicroPython's WebAssembly port: " + e.getMessage(), e);
            }
            // Node reads /proc; both are the sandbox's own (a tmpfs root), not the user's files.
            Bubblewrap b = confinement != null ? confinement.bubblewrap()
                    : Bubblewrap.of(bwrap).isolate(false, false).systemDirs().loaderCache().freshProcDevTmp(0);
            b.roBind(runnerDir.toString(), runnerDir.toString())
                    .roBind(realPackage.toString(), realPackage.toString())
                    .bind(realRoot.toString(), realRoot.toString())
                    .chdir(realRoot.toString())
                    .environment(Map.of("HOME", "/", "LANG", "C.UTF-8"));
            // Node reserves gigabytes of address space (V8, WebAssembly memories): no RLIMIT_AS for it.
            return confinement != null ? confinement.command(b, program, true) : b.command(program);
        }

        @Override
        public boolean sandboxed() {
            return sandbox == Sandbox.bubblewrap;
        }

        /** The runner's own command line for {@code root} (Node and its permission flags), outside any sandbox. */
        private List<String> build(Path root) {
            try {
                return runner.command(node, packageDir, root);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot run MicroPython's WebAssembly port: " + e.getMessage(), e);
            }
        }

        /** Builds the command for {@code root} (runs {@code node --version}, checks the paths). */
        @Override
        public Optional<String> probe(Path root, java.time.Duration timeout) {
            try {
                command(root);
                return Optional.empty();
            } catch (java.io.UncheckedIOException e) {
                return Optional.of(e.getMessage());
            }
        }

        @Override
        public boolean bareNewlines() {
            return false;
        }

        @Override
        public String describe() {
            return "micropython webassembly " + packageDir + " on " + node
                    + (sandbox == Sandbox.bubblewrap ? ", bubblewrap sandbox" : ", no sandbox");
        }

        @Override
        public void close() {
            deleteTree(runnerDir);
        }

        private static void deleteTree(Path dir) {
            try {
                dev.webrepl.core.files.FileTrees.deleteTree(dir);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // A temporary directory of two small files: left for the OS to clean.
            }
        }
    }

    /**
     * The runtime to use, from the server's environment {@code env} (PATH, HOME, XDG_CACHE_HOME,
     * {@code $WEBREPL_MICROPYTHON_WASM}). {@link Kind#unix}: {@code binary} if given (it must be an
     * executable file), else {@code micropython} on PATH. {@link Kind#wasm}: Node on PATH and the npm
     * package ({@code wasmPackage} if given, else where {@link WasmRunner#findPackage} looks).
     * {@link Kind#auto}: the unix port if there is one, else the WebAssembly port. Unless
     * {@code sandbox} is none, both need bubblewrap ({@code /usr/bin/bwrap} or on PATH). Empty with a
     * one-line reason (what to install) when nothing usable is there.
     */
    static Detection detect(Kind kind, Optional<Path> binary, Optional<Path> wasmPackage, Sandbox sandbox,
            Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        Optional<Path> bwrap = Optional.empty();
        if (sandbox == Sandbox.bubblewrap) {
            Path usual = Path.of("/usr/bin/bwrap");
            bwrap = Files.isExecutable(usual) ? Optional.of(usual) : onPath("bwrap", path);
            if (bwrap.isEmpty()) {
                return Detection.missing("--engine micropython runs MicroPython in a bubblewrap sandbox: install "
                        + "bubblewrap (Debian: apt-get install bubblewrap), or pass --micropython-sandbox none to run "
                        + "it unconfined");
            }
        }
        Optional<Path> mp = Optional.empty();
        if (kind != Kind.wasm) {
            if (binary.isPresent()) {
                Path given = binary.get().toAbsolutePath();
                if (!Files.isRegularFile(given) || !Files.isExecutable(given)) {
                    return Detection.missing("--micropython " + binary.get() + " is not an executable file");
                }
                mp = Optional.of(given);
            } else {
                mp = onPath("micropython", path);
            }
            if (mp.isPresent()) {
                return Detection.found(new Native(mp.get(), sandbox, bwrap.orElse(null)));
            }
            if (kind == Kind.unix) {
                return Detection.missing("--micropython-runtime unix needs MicroPython's unix port: install it as "
                        + "`micropython` on PATH or pass --micropython PATH");
            }
        }
        Optional<Path> node = WasmRunner.findNode(env);
        Optional<Path> pkg = WasmRunner.findPackage(wasmPackage, env);
        if (node.isEmpty() || pkg.isEmpty()) {
            String wanted = kind == Kind.wasm ? "--micropython-runtime wasm needs" : "--engine micropython needs "
                    + "MicroPython's unix port (`micropython` on PATH, or --micropython PATH) or";
            return Detection.missing(wanted + " Node.js (Debian: nodejs) and the npm package " + WasmRunner.PACKAGE
                    + " (npm install --prefix ~/.cache/webrepl/micropython-wasm " + WasmRunner.PACKAGE + "@"
                    + WasmRunner.PACKAGE_VERSION + ", or --micropython-wasm DIR)"
                    + (node.isEmpty() ? "; no node on PATH" : "; no package found"));
        }
        try {
            return Detection.found(Wasm.create(node.get(), pkg.get(), sandbox, bwrap.orElse(null)));
        } catch (java.io.IOException e) {
            return Detection.missing("cannot prepare MicroPython's WebAssembly runner: " + e.getMessage());
        }
    }

    /** A runtime, or why there is none (one line, for the user). */
    record Detection(Optional<MicroPythonRuntime> runtime, String problem) {
        static Detection found(MicroPythonRuntime r) {
            return new Detection(Optional.of(r), null);
        }

        static Detection missing(String problem) {
            return new Detection(Optional.empty(), problem);
        }
    }

    /** {@code program} looked up as execvp would on {@code path} (colon-separated). */
    static Optional<Path> onPath(String program, String path) {
        for (String d : (path == null ? "" : path).split(":")) {
            if (!d.isEmpty()) {
                Path candidate = Path.of(d, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }
}
