package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --quota-bytes} in the file store: reserved before a byte is written, given back at the end. */
class QuotaTest {
    @TempDir
    Path root;

    private static byte[] bytes(int n) {
        return new byte[n];
    }

    private long filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void anUploadThatDoesNotFitIsRefusedBeforeAnythingIsWritten() throws Exception {
        Quota quota = new Quota(10);
        FileStore store = new FileStore(root, quota);
        Files.write(root.resolve("old"), bytes(4));
        FileStoreException e = assertThrows(FileStoreException.class, () -> store.beginUpload("new", 7));
        assertEquals(FileStatus.QUOTA_EXCEEDED, e.status());
        assertEquals(122, e.status().code());
        assertEquals(1, filesIn(root), "no temporary file");
        assertEquals(0, quota.reserved());
    }

    @Test
    void reservationsOfUploadsUnderWayCountAndAreGivenBackOnCommitAndAbort() throws Exception {
        Quota quota = new Quota(10);
        FileStore store = new FileStore(root, quota);
        Upload a = store.beginUpload("a", 6);
        assertEquals(6, quota.reserved());
        assertEquals(FileStatus.QUOTA_EXCEEDED,
                assertThrows(FileStoreException.class, () -> store.beginUpload("b", 5)).status());
        a.write(bytes(6), 0, 6);
        a.commit();
        assertEquals(0, quota.reserved());
        Upload c = store.beginUpload("c", 4);
        assertEquals(4, quota.reserved());
        c.abort();
        c.abort();
        assertEquals(0, quota.reserved(), "given back once");
        assertFalse(Files.exists(root.resolve("c")));
        // A full quota refuses even one byte; a zero-byte PUT still fits.
        Upload d = store.beginUpload("d", 4);
        d.write(bytes(4), 0, 4);
        d.commit();
        assertThrows(FileStoreException.class, () -> store.beginUpload("e", 1));
        store.beginUpload("f", 0).commit();
        assertArrayEquals(bytes(4), Files.readAllBytes(root.resolve("d")));
    }

    @Test
    void filesInSubdirectoriesAndPartialUploadsCount() throws Exception {
        FileStore store = new FileStore(root, new Quota(10));
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.writeString(root.resolve("sub/deeper/x"), "12345", StandardCharsets.US_ASCII);
        Upload partial = store.beginUpload("p", 5, true, 0);
        partial.write(bytes(3), 0, 3);
        partial.abort();
        // 5 in sub/deeper/x, 3 kept as a partial: 2 left.
        assertEquals(FileStatus.QUOTA_EXCEEDED,
                assertThrows(FileStoreException.class, () -> store.beginUpload("q", 3)).status());
        store.beginUpload("q", 2).commit();
    }
}
