package dev.webrepl.engines.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code bwrap} command line, built in the order bwrap applies its options (later mounts over
 * earlier ones). Used by every sandboxed engine (the process engine, both MicroPython runtimes), so
 * that what a sandbox shows of the host is decided here once (README "Sandbox and limits").
 */
public final class Bubblewrap {
    /** Read-only system directories bound at their own paths when they exist (programs, the loader, libraries). */
    private static final List<String> SYSTEM_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32");
    /**
     * What of {@code /etc} programs need, read-only when present: the loader's cache, Debian's
     * alternatives (/usr/bin/java and friends link through them), name service and locale basics,
     * Python's site files, terminfo, CA certificates. Not passwd/group (generated instead), not
     * shadow, ssh, the server's configuration or anything else of the host's.
     */
    private static final List<String> ETC = List.of("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives",
            "localtime", "timezone", "nsswitch.conf", "host.conf", "gai.conf", "protocols", "services", "mime.types",
            "inputrc", "terminfo", "ssl", "ca-certificates", "python3");
    /** Only with the network: how to resolve names. */
    private static final List<String> ETC_NETWORK = List.of("resolv.conf", "hosts");

    private final List<String> args = new ArrayList<>();

    private Bubblewrap(Path bwrap) {
        args.add(bwrap.toString());
    }

    /** A command line for {@code bwrap}, to be filled in. */
    public static Bubblewrap of(Path bwrap) {
        return new Bubblewrap(bwrap);
    }

    /** {@code /usr}, {@code /bin}, {@code /lib*} read-only; on merged-/usr systems the same symlinks as the host. */
    public Bubblewrap systemDirs() {
        for (String dir : SYSTEM_DIRS) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                // Merged /usr (Debian 12+): /lib -> usr/lib; the same link inside keeps the loader's path valid.
                try {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
                } catch (IOException e) {
                    continue;
                }
            } else if (Files.isDirectory(p)) {
                args.addAll(List.of("--ro-bind", dir, dir));
            }
        }
        return this;
    }

    /** Only the loader's cache of {@code /etc} (what a lone binary needs). */
    public Bubblewrap loaderCache() {
        return roBindIfExists(Path.of("/etc/ld.so.cache"));
    }

    /**
     * The parts of {@code /etc} programs need (see {@link #ETC}), with {@code passwd}, {@code group} and
     * (without network) {@code hosts} from {@code generated}, a directory the caller wrote them in.
     */
    public Bubblewrap etc(Path generated, boolean network) {
        for (String name : ETC) {
            roBindIfExists(Path.of("/etc", name));
        }
        try (java.util.stream.Stream<Path> versioned = Files.list(Path.of("/etc"))) {
            // Debian links /usr/lib/python3.X/sitecustomize.py to /etc/python3.X/, a JDK's conf/ to /etc/java-N-openjdk/.
            versioned.filter(p -> p.getFileName().toString().matches("python3\\.\\d+|java-\\d+-openjdk")).sorted()
                    .forEach(this::roBindIfExists);
        } catch (IOException e) {
            // no /etc to list: nothing more to bind
        }
        for (String name : List.of("passwd", "group")) {
            args.addAll(List.of("--ro-bind", generated.resolve(name).toString(), "/etc/" + name));
        }
        if (network) {
            for (String name : ETC_NETWORK) {
                roBindIfExists(Path.of("/etc", name));
            }
        } else {
            args.addAll(List.of("--ro-bind", generated.resolve("hosts").toString(), "/etc/hosts"));
        }
        return this;
    }

    /** A fresh {@code /proc} (of the sandbox's PID namespace), a minimal {@code /dev}, a private {@code /tmp}. */
    public Bubblewrap freshProcDevTmp(long tmpBytes) {
        args.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        if (tmpBytes > 0) {
            args.addAll(List.of("--size", String.valueOf(tmpBytes)));
        }
        args.addAll(List.of("--tmpfs", "/tmp"));
        return this;
    }

    /**
     * Own mount, PID, IPC, UTS, cgroup and (unless {@code network}) network namespaces; a user
     * namespace when {@code userNamespace} (no nested ones then); no capabilities even for a server
     * run as root (bwrap keeps them for root otherwise); gone when the server's process is.
     */
    public Bubblewrap isolate(boolean network, boolean userNamespace) {
        args.add("--unshare-all");
        if (network) {
            args.add("--share-net");
        }
        if (userNamespace) {
            args.addAll(List.of("--unshare-user", "--disable-userns"));
        }
        // No --new-session: it would take the program off the pty's session, so the tty's Ctrl-C
        // (ISIG) would no longer reach it as SIGINT. The pty is the sandbox's alone (TIOCSTI has
        // nobody to fool).
        args.addAll(List.of("--cap-drop", "ALL", "--die-with-parent"));
        return this;
    }

    public Bubblewrap roBind(String host, String inside) {
        args.addAll(List.of("--ro-bind", host, inside));
        return this;
    }

    public Bubblewrap bind(String host, String inside) {
        args.addAll(List.of("--bind", host, inside));
        return this;
    }

    public Bubblewrap chdir(String inside) {
        args.addAll(List.of("--chdir", inside));
        return this;
    }

    /** Nothing of the server's environment; exactly {@code env}. */
    public Bubblewrap environment(Map<String, String> env) {
        args.add("--clearenv");
        env.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> args.addAll(List.of("--setenv", e.getKey(), e.getValue())));
        return this;
    }

    private Bubblewrap roBindIfExists(Path p) {
        if (Files.exists(p)) {
            args.addAll(List.of("--ro-bind", p.toString(), p.toString()));
        }
        return this;
    }

    /** The whole command line: bwrap, its options, then {@code program} (its argv, run inside). */
    public List<String> command(List<String> program) {
        List<String> c = new ArrayList<>(args);
        c.add("--");
        c.addAll(program);
        return List.copyOf(c);
    }
}
