package dev.webrepl.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The entry layout of PROTOCOL.md §4, byte for byte. */
class EntryCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void aFileEntryIsKindSizeMtimeNameLengthAndName() {
        DirectoryEntry e = new DirectoryEntry(DirectoryEntry.Kind.FILE, 0x0102, 0x0000018B_CFE56800L, "a.py");
        assertEquals("66" + "0201000000000000" + "0068e5cf8b010000" + "0400" + "612e7079",
                HEX.formatHex(EntryCodec.encode(e)));
    }

    @Test
    void kindsHaveTheirLetters() {
        assertEquals("646c6f", HEX.formatHex(new byte[] {
            DirectoryEntry.Kind.DIRECTORY.code(), DirectoryEntry.Kind.LINK.code(), DirectoryEntry.Kind.OTHER.code()}));
        assertEquals(DirectoryEntry.Kind.OTHER, DirectoryEntry.Kind.ofCode('p'));
    }

    @Test
    void encodeAllThenDecodeAllGivesTheEntriesBack() {
        List<DirectoryEntry> entries = List.of(
                new DirectoryEntry(DirectoryEntry.Kind.DIRECTORY, 0, -1, "/"),
                new DirectoryEntry(DirectoryEntry.Kind.FILE, Long.MAX_VALUE, 1_700_000_000_000L, "caf\u00e9 \uD83D\uDE00"),
                new DirectoryEntry(DirectoryEntry.Kind.LINK, 7, 0, "l"));
        assertEquals(entries, EntryCodec.decodeAll(EntryCodec.encodeAll(entries)));
        assertEquals(List.of(), EntryCodec.decodeAll(new byte[0]));
    }

    @Test
    void bytesEndingInsideAnEntryAreRefused() {
        byte[] one = EntryCodec.encode(new DirectoryEntry(DirectoryEntry.Kind.FILE, 1, 2, "name"));
        for (int cut = 1; cut < one.length; cut++) {
            byte[] truncated = Arrays.copyOf(one, cut);
            assertThrows(IllegalArgumentException.class, () -> EntryCodec.decodeAll(truncated), "cut at " + cut);
        }
    }

    @Test
    void aNameOverU16IsRefused() {
        DirectoryEntry e = new DirectoryEntry(DirectoryEntry.Kind.FILE, 0, 0, "x".repeat(65536));
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(e));
    }
}
