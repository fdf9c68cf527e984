package dev.webrepl.engines.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's own cgroup, where it can make one child group per session: v1 (separate memory, cpu
 * and pids hierarchies) or v2 (one unified hierarchy whose subtree has those controllers). Found from
 * {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}; {@link #open} tries to create the
 * server's group {@code webrepl-PID} and says why not when it cannot.
 */
final class Cgroups {
    private static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "cpu");
    private static final long CPU_PERIOD_MICROS = 100_000;

    private final boolean v2;
    /** Session ids are unique only among live sessions; a MicroPython soft reset may briefly overlap. */
    private final java.util.concurrent.atomic.AtomicLong groups = new java.util.concurrent.atomic.AtomicLong();
    /** Controller (or "unified") to the server's group for this server: {@code .../webrepl-PID}. */
    private final Map<String, Path> parents;

    private Cgroups(boolean v2, Map<String, Path> parents) {
        this.v2 = v2;
        this.parents = Map.copyOf(parents);
        // The kernel keeps empty groups forever: a server that is not closed (a test's) removes its own at exit.
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "webrepl-cgroups-cleanup"));
    }

    /** What is in force: {@code cgroup v1} or {@code cgroup v2}. */
    String describe() {
        return v2 ? "cgroup v2" : "cgroup v1";
    }

    /** Whether CPU quota can be set (v1 without a cpu hierarchy cannot). */
    boolean cpu() {
        return v2 || parents.containsKey("cpu");
    }

    /**
     * The server's group under its own cgroup, created now, or why there is none (one line): no
     * writable hierarchy with memory and pids controllers.
     */
    static Result open(String name) {
        return open(name, Path.of("/proc/self"));
    }

    /** {@link #open(String)} as {@code procSelf}'s {@code mountinfo} and {@code cgroup} describe it (a test's). */
    static Result open(String name, Path procSelf) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path unified = null;
        List<String> mountinfo;
        Map<String, String> own = new LinkedHashMap<>();
        try {
            mountinfo = Files.readAllLines(procSelf.resolve("mountinfo"), StandardCharsets.UTF_8);
            for (String line : Files.readAllLines(procSelf.resolve("cgroup"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":", 3);
                if (f.length == 3) {
                    for (String c : f[1].isEmpty() ? List.of("") : List.of(f[1].split(","))) {
                        own.put(c, f[2]);
                    }
                }
            }
        } catch (IOException e) {
            return Result.none("cannot read " + procSelf + ": " + e.getMessage());
        }
        for (String line : mountinfo) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            String[] halves = line.split(" - ", 2);
            if (halves.length != 2) {
                continue;
            }
            String[] f = halves[0].split(" ");
            String[] g = halves[1].split(" ");
            if (f.length < 5 || g.length < 3) {
                continue;
            }
            String root = f[3];
            Path mount = Path.of(f[4]);
            if (g[0].equals("cgroup")) {
                for (String option : g[2].split(",")) {
                    if (V1_CONTROLLERS.contains(option) && !v1.containsKey(option) && own.containsKey(option)) {
                        v1.put(option, under(mount, root, own.get(option)));
                    }
                }
            } else if (g[0].equals("cgroup2") && own.containsKey("") && unified == null) {
                unified = under(mount, root, own.get(""));
            }
        }
        String why;
        v1.values().forEach(Cgroups::removeStale);
        if (unified != null) {
            removeStale(unified);
        }
        if (v1.containsKey("memory") && v1.containsKey("pids")) {
            Map<String, Path> parents = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, Path> e : v1.entrySet()) {
                    Path p = e.getValue().resolve(name);
                    Files.createDirectories(p);
                    parents.put(e.getKey(), p);
                }
                Cgroups c = new Cgroups(false, parents);
                c.probe();
                return new Result(Optional.of(c), null);
            } catch (IOException e) {
                removeAll(parents.values());
                why = "cgroup v1 not writable: " + reason(e);
            }
        } else {
            why = "no cgroup v1 memory and pids hierarchy";
        }
        if (unified == null) {
            return Result.none(why + "; no cgroup v2");
        }
        Path parent = unified.resolve(name);
        try {
            String available = Files.readString(unified.resolve("cgroup.controllers")).trim();
            for (String c : List.of("memory", "pids", "cpu")) {
                if (!List.of(available.split(" ")).contains(c)) {
                    return Result.none(why + "; cgroup v2 " + unified + " lacks the " + c + " controller");
                }
            }
            // The server's own group must delegate the controllers; with processes in it (not the root)
            // the kernel refuses (no internal processes): then rlimits it is.
            write(unified.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
            Files.createDirectories(parent);
            write(parent.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
            Cgroups c = new Cgroups(true, Map.of("unified", parent));
            c.probe();
            return new Result(Optional.of(c), null);
        } catch (IOException e) {
            removeAll(List.of(parent));
            return Result.none(why + "; cgroup v2 " + unified + " not usable: " + reason(e));
        }
    }

    /** Groups of servers that ended without removing theirs (killed): empty ones go, as their sessions' empty ones. */
    private static void removeStale(Path base) {
        try (java.util.stream.Stream<Path> dirs = Files.list(base)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String n = d.getFileName().toString();
                if (n.matches("webrepl-\\d+") && ProcessHandle.of(Long.parseLong(n.substring(8))).isEmpty()) {
                    try (java.util.stream.Stream<Path> sessions = Files.list(d)) {
                        removeAll(sessions.filter(Files::isDirectory).toList());
                    }
                    removeAll(List.of(d));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not listable: nothing to tidy
        }
    }

    /** {@code permission denied: PATH} rather than a bare path (what AccessDeniedException's message is). */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null && f.getFile() != null) {
            return cause(e) + ": " + f.getFile();
        }
        return e.getMessage();
    }

    /** Why, without the file's name: {@code permission denied}, {@code no such file}, the kernel's reason. */
    private static String cause(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getReason() != null ? f.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : e.getClass().getSimpleName();
        }
        return e.getMessage();
    }

    private static Path under(Path mount, String root, String own) {
        // ROOT is the part of the hierarchy mounted here (a container sees its own group as /).
        String rel = own.startsWith(root) ? own.substring(root.length()) : own;
        rel = rel.replaceAll("^/+", "");
        return rel.isEmpty() ? mount : mount.resolve(rel);
    }

    /** A child group made and removed, so that a hierarchy that looks writable and is not is found at start. */
    private void probe() throws IOException {
        Group g = create("probe", new SandboxLimits(64L << 20, 1, 8, 0));
        g.close();
    }

    /** A group for one session with {@code limits}; a limit of 0 leaves the controller's default (none). */
    Group create(String session, SandboxLimits limits) throws IOException {
        String name = "s-" + session.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + groups.incrementAndGet();
        List<Path> dirs = new ArrayList<>();
        try {
            for (Path parent : parents.values()) {
                Path dir = parent.resolve(name);
                Files.createDirectory(dir);
                dirs.add(dir);
            }
            Path memory = v2 ? dirs.get(0) : parents.get("memory").resolve(name);
            Path pids = v2 ? dirs.get(0) : parents.get("pids").resolve(name);
            Path cpu = v2 ? dirs.get(0) : parents.containsKey("cpu") ? parents.get("cpu").resolve(name) : null;
            if (limits.memoryBytes() > 0) {
                if (v2) {
                    write(memory.resolve("memory.max"), String.valueOf(limits.memoryBytes()));
                    writeIfPresent(memory.resolve("memory.swap.max"), "0");
                } else {
                    write(memory.resolve("memory.limit_in_bytes"), String.valueOf(limits.memoryBytes()));
                    // With swap accounting, memory+swap gets the same bound: swapping out does not pass it.
                    writeIfPresent(memory.resolve("memory.memsw.limit_in_bytes"), String.valueOf(limits.memoryBytes()));
                }
            }
            if (limits.processes() > 0) {
                write(pids.resolve("pids.max"), String.valueOf(limits.processes()));
            }
            if (limits.cpus() > 0 && cpu != null) {
                long quota = Math.max(1000, Math.round(limits.cpus() * CPU_PERIOD_MICROS));
                if (v2) {
                    write(cpu.resolve("cpu.max"), quota + " " + CPU_PERIOD_MICROS);
                } else {
                    write(cpu.resolve("cpu.cfs_period_us"), String.valueOf(CPU_PERIOD_MICROS));
                    write(cpu.resolve("cpu.cfs_quota_us"), String.valueOf(quota));
                }
            }
            return new Group(dirs, memory.resolve(v2 ? "memory.events" : "memory.oom_control"));
        } catch (IOException | RuntimeException e) {
            removeAll(dirs);
            throw e;
        }
    }

    /** Removes the server's groups (after the sessions' are gone). */
    void close() {
        removeAll(parents.values());
    }

    private static void removeAll(java.util.Collection<Path> dirs) {
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // a group with processes left in it: the kernel keeps it until they are gone
            }
        }
    }

    private static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot write " + value + " to " + file + ": " + cause(e), e);
        }
    }

    private static void writeIfPresent(Path file, String value) {
        if (Files.exists(file)) {
            try {
                write(file, value);
            } catch (IOException e) {
                // optional (swap accounting off): the memory bound alone applies
            }
        }
    }

    /** The server's group, or why there is none. */
    record Result(Optional<Cgroups> cgroups, String problem) {
        static Result none(String problem) {
            return new Result(Optional.empty(), problem);
        }
    }

    /** One session's groups: joined by its first process, watched for OOM kills, removed at the end. */
    static final class Group {
        private final List<Path> dirs;
        private final Path oomFile;

        private Group(List<Path> dirs, Path oomFile) {
            this.dirs = List.copyOf(dirs);
            this.oomFile = oomFile;
        }

        /** The {@code cgroup.procs} files a process writes its pid into to join. */
        List<Path> procsFiles() {
            return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
        }

        /** How many processes the kernel killed for passing the memory limit ({@code oom_kill N}). */
        long oomKills() {
            try {
                for (String line : Files.readAllLines(oomFile, StandardCharsets.US_ASCII)) {
                    if (line.startsWith("oom_kill ")) {
                        return Long.parseLong(line.substring("oom_kill ".length()).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the group is gone (the session ended)
            }
            return 0;
        }

        /** Kills what is left in the groups (SIGKILL), then removes them. */
        void close() {
            for (Path d : dirs) {
                try {
                    for (String pid : Files.readAllLines(d.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException | NumberFormatException e) {
                    // gone already
                }
            }
            for (Path d : dirs) {
                for (int i = 0; i < 50; i++) {
                    try {
                        Files.deleteIfExists(d);
                        break;
                    } catch (IOException busy) {
                        // killed processes take a moment to leave the group
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        }
    }
}
