package dev.webrepl.engines.micropython;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MicroPython's WebAssembly port under Node, for hosts without a {@code micropython} binary (issue 16
 * point 5): where to find Node and the npm package, and the command line of {@code runner.mjs}, our
 * board-like REPL on stdin/stdout whose {@code /} is the session's file root.
 *
 * <p>Use: {@code findNode()} and {@code findPackage(..)}; {@code extractTo(dir)} once (the caller owns
 * {@code dir} and deletes it); then {@code command(node, package, root)} per session. The process it
 * describes reads raw bytes on stdin (a pty is fine: it sets raw mode; configure the pty without
 * newline translation), writes the board's bytes on stdout ({@code \r\n} line endings, {@code >>> }
 * at once), restarts its VM itself on a soft reset (printing {@code MPY: soft reboot}), and exits 0
 * when stdin ends. Its behaviour and limits are described at the top of {@code runner.mjs}.
 *
 * <p>Security: MicroPython's {@code js} module reaches Node's globals, so code typed into the REPL can
 * do whatever the Node process may do. On Node 20 and later the command therefore enables Node's
 * permission model (file reads limited to the runner, the package and the root; writes to the root; no
 * child processes or native addons). Node 18 has no such model, and no Node version limits the
 * network: run the command inside the engine's sandbox regardless.
 */
public final class WasmRunner {
    /** The npm package and the version CI installs ({@code .ci/run}). */
    public static final String PACKAGE = "@micropython/micropython-webassembly-pyscript";
    public static final String PACKAGE_VERSION = "1.27.0";
    /** Environment variable naming the package directory (or the npm prefix it was installed with). */
    public static final String PACKAGE_ENV = "WEBREPL_MICROPYTHON_WASM";

    private static final String RESOURCE_DIR = "/dev/webrepl/engines/micropython/";
    private static final List<String> RESOURCES = List.of("runner.mjs", "hostvfs.py");
    private static final String MODULE_FILE = "micropython.mjs";
    private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\.(\\d+)\\.\\d+.*");

    private final Path runnerDir;

    private WasmRunner(Path runnerDir) {
        this.runnerDir = runnerDir;
    }

    /**
     * Writes {@code runner.mjs} and {@code hostvfs.py} into {@code dir}, an existing directory private to
     * the caller (who deletes it after the last session); fails if either file already exists there.
     */
    public static WasmRunner extractTo(Path dir) throws IOException {
        Path real = dir.toRealPath();
        for (String name : RESOURCES) {
            try (InputStream in = WasmRunner.class.getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IOException("missing resource " + RESOURCE_DIR + name);
                }
                Files.write(real.resolve(name), in.readAllBytes(), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            }
        }
        return new WasmRunner(real);
    }

    /**
     * The package directory (the one holding {@code micropython.mjs}): {@code configured} (from
     * {@code --micropython-wasm DIR}) if given, else {@code $WEBREPL_MICROPYTHON_WASM}, else the cache
     * {@code ${XDG_CACHE_HOME:-~/.cache}/webrepl/micropython-wasm}. Each may name the package directory
     * itself or the prefix of {@code npm install --prefix DIR}. A configured directory that holds no
     * package gives empty (no fallback: the flag said where to look).
     */
    public static Optional<Path> findPackage(Optional<Path> configured) {
        return findPackage(configured, System.getenv());
    }

    /** {@link #findPackage(Optional)} with the environment passed in (for tests). */
    public static Optional<Path> findPackage(Optional<Path> configured, Map<String, String> env) {
        if (configured.isPresent()) {
            return packageIn(configured.get());
        }
        String named = env.get(PACKAGE_ENV);
        if (named != null && !named.isEmpty()) {
            return packageIn(Path.of(named));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache;
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            cache = Path.of(xdg);
        } else {
            String home = env.get("HOME");
            if (home == null || home.isEmpty()) {
                return Optional.empty();
            }
            cache = Path.of(home, ".cache");
        }
        return packageIn(cache.resolve("webrepl").resolve("micropython-wasm"));
    }

    private static Optional<Path> packageIn(Path dir) {
        for (Path candidate : List.of(dir, dir.resolve("node_modules").resolve(PACKAGE))) {
            if (Files.isRegularFile(candidate.resolve(MODULE_FILE))) {
                return Optional.of(candidate.toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    /** The {@code node} executable on {@code PATH} (Debian's {@code nodejs} package), or {@code nodejs}. */
    public static Optional<Path> findNode() {
        return findNode(System.getenv());
    }

    /** {@link #findNode()} with the environment passed in (for tests). */
    public static Optional<Path> findNode(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String name : List.of("node", "nodejs")) {
            for (String entry : path.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(entry, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The command line running MicroPython with {@code root} as its {@code /}. Runs {@code node --version}
     * once to choose the permission flags (see the class comment).
     *
     * @throws IOException if node cannot be run, or a path contains {@code ,} or {@code *} (which Node's
     *     permission flags would read as a list or a wildcard)
     */
    public List<String> command(Path node, Path packageDir, Path root) throws IOException {
        Path pkg = packageDir.toRealPath();
        Path realRoot = root.toRealPath();
        List<String> command = new ArrayList<>();
        command.add(node.toString());
        command.add("--no-warnings");
        int[] version = nodeVersion(node);
        String permission = version[0] > 22 || (version[0] == 22 && version[1] >= 13) ? "--permission"
                : version[0] >= 20 ? "--experimental-permission" : null;
        if (permission != null) {
            for (Path p : List.of(runnerDir, pkg, realRoot)) {
                String s = p.toString();
                if (s.contains(",") || s.contains("*")) {
                    throw new IOException("path not usable with Node's permission flags: " + s);
                }
            }
            command.add(permission);
            command.add("--allow-worker");
            command.add("--allow-fs-read=" + runnerDir);
            command.add("--allow-fs-read=" + pkg);
            command.add("--allow-fs-read=" + realRoot);
            command.add("--allow-fs-write=" + realRoot);
        }
        command.add(runnerDir.resolve("runner.mjs").toString());
        command.add("--package");
        command.add(pkg.toString());
        command.add("--root");
        command.add(realRoot.toString());
        return List.copyOf(command);
    }

    /** {@code node --version} as {major, minor}. */
    static int[] nodeVersion(Path node) throws IOException {
        Process p = new ProcessBuilder(node.toString(), "--version").redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(200), StandardCharsets.US_ASCII).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException(node + " --version did not finish");
            }
            Matcher m = NODE_VERSION.matcher(out);
            if (p.exitValue() != 0 || !m.matches()) {
                throw new IOException(node + " --version answered: " + out);
            }
            return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
