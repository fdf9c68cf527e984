package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The client-side builders for the extended record of PROTOCOL.md §1–§3. */
class FileRequestExtensionsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void aNameOf63BytesGoesInTheLegacyFieldWithNoTrailer() {
        String name = "n".repeat(63);
        FileRequest.Outgoing out = FileRequest.named(FileRequest.STAT, 0, 0, 0, name);
        assertEquals(0, out.request().flags());
        assertEquals(0, out.trailer().length);
        assertEquals(63, out.request().terminatedNameLength());
        assertArrayEquals(out.request().encode(), out.bytes());
    }

    @Test
    void aNameOf64BytesIsALongNameAfterTheRecord() {
        String name = "n".repeat(64);
        FileRequest.Outgoing out = FileRequest.named(FileRequest.GET_FILE, 0, 5, 0, name);
        byte[] bytes = out.bytes();
        assertEquals(82 + 64, bytes.length);
        // WA, type 2, flags 1, offset 5, size 0, fname_len 64, 64 zero bytes, then the name
        assertEquals("5741" + "02" + "01" + "0500000000000000" + "00000000" + "4000" + "00".repeat(64),
                HEX.formatHex(bytes, 0, 82));
        assertEquals(name, new String(bytes, 82, 64, StandardCharsets.UTF_8));
        assertTrue(out.request().longName());
    }

    @Test
    void longNamesUpTo4096BytesAreAcceptedAndLongerOrEmptyRefused() {
        assertEquals(4096, FileRequest.named(FileRequest.PUT_FILE, 0, 0, 1, "x".repeat(4096)).trailer().length);
        assertThrows(IllegalArgumentException.class, () -> FileRequest.named(FileRequest.PUT_FILE, 0, 0, 1, "x".repeat(4097)));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.named(FileRequest.STAT, 0, 0, 0, ""));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.named(FileRequest.PUT_FILE, 0, -1, 1, "x"));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.named(FileRequest.PUT_FILE, 0, 0, 1L << 32, "x"));
    }

    @Test
    void resumableAndForcedLongNameFlagsAreKept() {
        FileRequest.Outgoing out = FileRequest.named(FileRequest.PUT_FILE,
                FileRequest.FLAG_RESUMABLE | FileRequest.FLAG_LONG_NAME, 0, 9, "short");
        assertEquals(3, out.request().flags());
        assertTrue(out.request().resumable());
        assertEquals("short", new String(out.trailer(), StandardCharsets.UTF_8));
        assertFalse(FileRequest.named(FileRequest.PUT_FILE, 0, 0, 9, "short").request().resumable());
    }

    @Test
    void renameCarriesTheDestinationLengthInSizeAndTheDestinationAfterTheSource() {
        FileRequest.Outgoing shortSource = FileRequest.rename("a.txt", "b/c.txt");
        assertEquals(FileRequest.RENAME, shortSource.request().type());
        assertEquals(7, shortSource.request().size());
        assertEquals("b/c.txt", new String(shortSource.trailer(), StandardCharsets.UTF_8));

        String longSource = "s".repeat(100);
        FileRequest.Outgoing longOne = FileRequest.rename(longSource, "d");
        assertEquals(1, longOne.request().size());
        assertEquals(100, longOne.request().nameLength());
        assertEquals(longSource + "d", new String(longOne.trailer(), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.rename("a", ""));
        assertThrows(IllegalArgumentException.class, () -> FileRequest.rename("a", "d".repeat(4097)));
    }

    @Test
    void featuresIsType0x41AndOtherwiseZero() {
        byte[] b = FileRequest.features().encode();
        assertEquals("574141" + "00".repeat(79), HEX.formatHex(b));
    }

    @Test
    void sessionsIsType0x49AndOtherwiseZero() {
        byte[] b = FileRequest.sessions().encode();
        assertEquals("574149" + "00".repeat(79), HEX.formatHex(b));
    }

    @Test
    void theTrailerCannotBeChangedFromOutside() {
        FileRequest.Outgoing out = FileRequest.named(FileRequest.STAT, 0, 0, 0, "x".repeat(70));
        byte[] t = out.trailer();
        Arrays.fill(t, (byte) 0);
        assertEquals('x', out.trailer()[0]);
    }
}
