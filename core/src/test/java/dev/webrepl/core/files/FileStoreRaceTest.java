package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15.1: a client RENAME-swaps a directory with one holding a link that points outside, and
 * moves a relative link ({@code deep/b/lnk -> ../../outside}) to the root where it leads outside,
 * while other threads run GET, PUT, DELETE, LIST, MKDIR and RENAME through the link's name. Nothing
 * outside the root may be read, written or removed, and no temporary upload file may be left.
 */
class FileStoreRaceTest {
    private static final int SWAPS = 1_000_000;
    private static final Duration MAX_SWAPPING = Duration.ofSeconds(5);
    private static final String SECRET = "OUTSIDE-SECRET-do-not-read";

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    FileStore store;
    Map<String, String> outsideBefore;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileStore(tmp.resolve("root"));
        root = store.root();
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.writeString(outside.resolve("keep.txt"), SECRET);
        Files.writeString(outside.resolve("only-outside.txt"), SECRET);
        // A is a real directory; B holds w, a link to the outside directory (as a client gets by
        // moving a relative link shallower). Swapping A and B makes A/w lead outside half the time.
        Files.createDirectories(root.resolve("A/w"));
        Files.writeString(root.resolve("A/w/secret.txt"), "inside");
        Files.writeString(root.resolve("A/w/keep.txt"), "inside");
        Files.createDirectories(root.resolve("B"));
        Files.createSymbolicLink(root.resolve("B/w"), Path.of("../../outside"));
        // deep/b/lnk leads to root/outside (inside); moved to the root it leads to tmp/outside.
        Files.createDirectories(root.resolve("outside"));
        Files.writeString(root.resolve("outside/secret.txt"), "inside");
        Files.createDirectories(root.resolve("deep/b"));
        Files.createSymbolicLink(root.resolve("deep/b/lnk"), Path.of("../../outside"));
        outsideBefore = snapshot(outside);
    }

    @Test
    @Timeout(60)
    void aRenameSwapperNeverLetsAnOperationOutOfTheRoot() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> escapes = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> crashes = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        threads.add(worker("get", start, done, crashes, () -> {
            for (String name : List.of("A/w/secret.txt", "lnk/secret.txt")) {
                try (Download d = store.openDownload(name)) {
                    byte[] buf = new byte[64];
                    int n = d.read(buf, 0, buf.length);
                    if (new String(buf, 0, n, StandardCharsets.UTF_8).equals(SECRET)) {
                        escapes.add("GET read outside through " + name);
                    }
                } catch (FileStoreException refused) {
                    // 13 (a link) or 2 (mid-swap) are the answers expected
                }
            }
        }));
        threads.add(worker("list", start, done, crashes, () -> {
            for (String name : List.of("A/w", "lnk")) {
                try {
                    if (store.list(name).stream().anyMatch(e -> e.name().equals("only-outside.txt"))) {
                        escapes.add("LIST listed outside through " + name);
                    }
                } catch (FileStoreException refused) {
                    // expected while the name is a link or missing
                }
            }
        }));
        threads.add(worker("put", start, done, crashes, () -> {
            for (String name : List.of("A/w/put.txt", "A/w/secret.txt", "lnk/put.txt")) {
                try (Upload u = store.beginUpload(name, 3)) {
                    u.write("new".getBytes(StandardCharsets.US_ASCII), 0, 3);
                    u.commit();
                } catch (FileStoreException refused) {
                    // expected while the name is a link or missing
                }
            }
        }));
        threads.add(worker("delete", start, done, crashes, () -> {
            for (String name : List.of("A/w/keep.txt", "lnk/keep.txt")) {
                try {
                    store.delete(name);
                } catch (FileStoreException refused) {
                    // expected while the name is a link or missing
                }
            }
        }));
        threads.add(worker("mkdir", start, done, crashes, () -> {
            for (String name : List.of("A/w/made", "lnk/made")) {
                try {
                    store.mkdirs(name);
                } catch (FileStoreException refused) {
                    // expected while the name is a link or missing
                }
            }
        }));
        threads.add(worker("rename", start, done, crashes, () -> {
            for (String[] move : List.of(new String[] {"A/w/secret.txt", "A/w/moved.txt"},
                    new String[] {"A/w/moved.txt", "A/w/secret.txt"}, new String[] {"lnk/only-outside.txt", "stolen.txt"})) {
                try {
                    store.rename(move[0], move[1]);
                } catch (FileStoreException refused) {
                    // expected while the name is a link or missing
                }
            }
        }));
        threads.forEach(Thread::start);
        start.countDown();
        long deadline = System.nanoTime() + MAX_SWAPPING.toNanos();
        try {
            for (int i = 0; i < SWAPS && System.nanoTime() < deadline; i++) {
                swap("A", "B");
                moveQuietly("deep/b/lnk", "lnk");
                moveQuietly("lnk", "deep/b/lnk");
            }
        } finally {
            done.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }

        assertEquals(List.of(), List.copyOf(crashes));
        assertEquals(List.of(), List.copyOf(escapes));
        assertEquals(outsideBefore, snapshot(outside), "the outside directory changed");
        assertEquals(List.of(), tempFiles(tmp), "temporary upload files left behind");
    }

    private void swap(String a, String b) {
        moveQuietly(a, "swap");
        moveQuietly(b, a);
        moveQuietly("swap", b);
    }

    private void moveQuietly(String from, String to) {
        try {
            store.rename(from, to);
        } catch (FileStoreException e) {
            // a refused step leaves the names as they were; the next iteration swaps again
        }
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** A thread running {@code step} until {@code done}; anything thrown other than a status is a crash. */
    private static Thread worker(String name, CountDownLatch start, AtomicBoolean done,
                                 ConcurrentLinkedQueue<Throwable> crashes, Step step) {
        Thread t = new Thread(() -> {
            try {
                start.await();
                while (!done.get()) {
                    step.run();
                }
            } catch (Throwable e) {
                crashes.add(e);
            }
        }, "race-" + name);
        t.setDaemon(true);
        return t;
    }

    /** Every path under {@code dir} with its content (links as their targets), never following a link. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> snap = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String key = dir.relativize(p).toString();
                snap.put(key, Files.isSymbolicLink(p) ? "link:" + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p) : "dir");
            }
        }
        return snap;
    }

    private static List<Path> tempFiles(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().startsWith(FileStore.TEMP_PREFIX)).toList();
        }
    }

    @Test
    void theSetUpLinksLeadWhereTheRaceNeedsThem() throws IOException {
        assertTrue(Files.isSameFile(root.resolve("B/w"), outside));
        assertTrue(Files.isSameFile(root.resolve("deep/b/lnk"), root.resolve("outside")));
    }
}
