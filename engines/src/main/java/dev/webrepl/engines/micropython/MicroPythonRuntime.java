package dev.webrepl.engines.micropython;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What runs one MicroPython REPL for the {@code micropython} engine: the unix port's binary (in a
 * bubblewrap sandbox, or bare) or MicroPython's WebAssembly port under Node. Either way the result is
 * a program line that speaks the REPL on its stdin/stdout (a pty) and sees the session's file root as
 * its {@code /}; {@link MicroPythonEngine} adds the pty settings and the soft reset.
 */
public sealed interface MicroPythonRuntime {
    /** The program and arguments that run one REPL whose {@code /} is {@code root} (a host directory). */
    List<String> command(Path root);

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

    /** How the native binary is confined. */
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

    /**
     * Run by the REPL before its banner: makes the file root MicroPython's {@code /} and the working
     * directory, and {@code sys.path}/{@code sys.argv} what a board has. {@code vfs} is MicroPython 1.23+,
     * {@code os} had the same functions before.
     */
    static String rootScript(String root) {
        return "import sys\n"
                + "try:\n import vfs\nexcept ImportError:\n import os as vfs\n"
                + "try:\n vfs.umount('/')\nexcept OSError:\n pass\n"
                + "vfs.mount(vfs.VfsPosix('" + root + "'), '/')\n"
                + "import os\n"
                + "os.chdir('/')\n"
                + "sys.path[:] = ['', '.frozen', '/lib']\n"
                + "sys.argv[:] = []\n"
                + "del sys, vfs, os\n";
    }

    /**
     * The unix port's binary. With {@link Sandbox#bubblewrap} it runs as
     * {@code bwrap [system dirs read-only] --ro-bind BINARY /webrepl/micropython --bind ROOT /webrepl/files
     * --unshare-all --die-with-parent --clearenv ... /webrepl/micropython -i -c SCRIPT}; MicroPython's own
     * VFS then shows {@code /webrepl/files} as {@code /} (os.listdir('/') lists the file root, as on a board).
     */
    record Native(Path binary, Sandbox sandbox, Path bwrap) implements MicroPythonRuntime {
        /** Read-only system directories bound at their own paths when they exist (the loader and libraries). */
        private static final List<String> SYSTEM_DIRS = List.of("/usr", "/lib", "/lib64", "/lib32", "/libx32");

        public Native {
            if (sandbox == Sandbox.bubblewrap && bwrap == null) {
                throw new IllegalArgumentException("the bubblewrap sandbox needs the bwrap program");
            }
        }

        @Override
        public List<String> command(Path root) {
            return command(root, List.of("-i", "-c"), "");
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
                ProcessBuilder pb = new ProcessBuilder(command(root, List.of("-c"), "print('" + marker + "')\n"))
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
        private List<String> command(Path root, List<String> options, String more) {
            if (sandbox == Sandbox.none) {
                List<String> c = new ArrayList<>(List.of(binary.toString()));
                c.addAll(options);
                c.add(rootScript(root.toString()) + more);
                return List.copyOf(c);
            }
            List<String> c = new ArrayList<>(List.of(bwrap.toString()));
            for (String dir : SYSTEM_DIRS) {
                Path p = Path.of(dir);
                if (Files.isSymbolicLink(p)) {
                    // Merged /usr (Debian 12+): /lib -> usr/lib; the same link inside keeps the loader's path valid.
                    try {
                        c.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
                    } catch (java.io.IOException e) {
                        continue;
                    }
                } else if (Files.isDirectory(p)) {
                    c.addAll(List.of("--ro-bind", dir, dir));
                }
            }
            if (Files.isRegularFile(Path.of("/etc/ld.so.cache"))) {
                c.addAll(List.of("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"));
            }
            c.addAll(List.of(
                    "--ro-bind", binary.toString(), SANDBOX_BINARY,
                    "--bind", root.toString(), SANDBOX_ROOT,
                    "--chdir", SANDBOX_ROOT,
                    // No --new-session: it would take the REPL off the pty's session, so the tty's Ctrl-C
                    // (ISIG) would no longer reach it as SIGINT. The pty is the REPL's alone (TIOCSTI has
                    // nobody to fool).
                    "--unshare-all", "--die-with-parent",
                    "--clearenv", "--setenv", "HOME", "/", "--setenv", "LANG", "C.UTF-8",
                    SANDBOX_BINARY));
            c.addAll(options);
            c.add(rootScript(SANDBOX_ROOT) + more);
            return List.copyOf(c);
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
     * MicroPython's WebAssembly port, run by a Node.js runner that serves its REPL on stdin/stdout with
     * the file root as {@code /} and handles soft reset itself (branch {@code mpwasm}). The seam: its
     * command comes from {@code WasmRunner.command(node, packageDir, root)}.
     */
    record Wasm(Path node, Path packageDir) implements MicroPythonRuntime {
        @Override
        public List<String> command(Path root) {
            throw new UnsupportedOperationException(NO_WASM);
        }

        @Override
        public boolean bareNewlines() {
            return false;
        }

        @Override
        public String describe() {
            return "micropython webassembly " + packageDir + " on " + node;
        }
    }

    /** Until the WebAssembly runner is part of the build. */
    String NO_WASM = "the MicroPython WebAssembly runtime is not part of this build";

    /**
     * The runtime to use. {@link Kind#unix}: {@code binary} if given (it must be an executable file),
     * else {@code micropython} on {@code path}; bubblewrap from {@code /usr/bin/bwrap} or {@code path}
     * unless {@code sandbox} is none. {@link Kind#auto}: that, else the WebAssembly port. Empty with a
     * one-line reason (what to install) when nothing usable is there.
     */
    static Detection detect(Kind kind, Optional<Path> binary, Sandbox sandbox, String path) {
        if (kind == Kind.wasm) {
            return wasm();
        }
        Path mp;
        if (binary.isPresent()) {
            mp = binary.get().toAbsolutePath();
            if (!Files.isRegularFile(mp) || !Files.isExecutable(mp)) {
                return Detection.missing("--micropython " + binary.get() + " is not an executable file");
            }
        } else {
            mp = onPath("micropython", path).orElse(null);
            if (mp == null) {
                if (kind == Kind.auto) {
                    Detection w = wasm();
                    if (w.runtime().isPresent()) {
                        return w;
                    }
                }
                return Detection.missing("--engine micropython needs MicroPython: install its unix port as `micropython` "
                        + "on PATH (or pass --micropython PATH) and bubblewrap (" + NO_WASM + ")");
            }
        }
        if (sandbox == Sandbox.none) {
            return Detection.found(new Native(mp, sandbox, null));
        }
        Path usual = Path.of("/usr/bin/bwrap");
        Optional<Path> bwrap = Files.isExecutable(usual) ? Optional.of(usual) : onPath("bwrap", path);
        if (bwrap.isEmpty()) {
            return Detection.missing("--engine micropython runs MicroPython in a bubblewrap sandbox: install bubblewrap "
                    + "(Debian: apt-get install bubblewrap), or pass --micropython-sandbox none to run it unconfined");
        }
        return Detection.found(new Native(mp, sandbox, bwrap.get()));
    }

    /**
     * The WebAssembly port, when its runner is part of the build. The seam for it: find Node and the
     * package ({@code WasmRunner.findPackage}), answer {@code found(new Wasm(node, packageDir))}, and
     * let {@link Wasm#command} return {@code WasmRunner.command(node, packageDir, root)}.
     */
    private static Detection wasm() {
        return Detection.missing("--micropython-runtime wasm: " + NO_WASM);
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
