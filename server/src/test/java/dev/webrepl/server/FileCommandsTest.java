package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The file commands of #6 against the real server (PROTOCOL.md §2-§6). */
@Timeout(60)
class FileCommandsTest extends CliTestBase {
    private static final String NL = System.lineSeparator();

    private int run(String... args) {
        return cli().execute(CapturedCli.withPassword("secret", args));
    }

    @Test
    void lsPrintsNamesAndWithLKindSizeAndTime() throws IOException {
        Files.createDirectories(serverRoot.resolve("lib"));
        Files.writeString(serverRoot.resolve("main.py"), "print(1)\n");
        Files.setLastModifiedTime(serverRoot.resolve("main.py"), FileTime.fromMillis(1_700_000_000_999L));
        Files.setLastModifiedTime(serverRoot.resolve("lib"), FileTime.fromMillis(1_600_000_000_000L));

        assertEquals(0, run("ls", at("/")), err::toString);
        assertEquals("lib" + NL + "main.py" + NL, out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("ls", "-l", at("/")), err::toString);
        assertEquals("d            0 2020-09-13T12:26:40Z lib" + NL
                + "-            9 2023-11-14T22:13:20Z main.py" + NL, out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void lsEscapesWhatATerminalWouldObey() throws IOException {
        // Names a client can no longer create (issue #15.8), but that may already be on the disk.
        Files.writeString(serverRoot.resolve("esc\u001b[2Jred\u0007"), "");
        Files.writeString(serverRoot.resolve("new\nline\ttab\rcr"), "");
        Files.writeString(serverRoot.resolve("back\\slash del\u007f"), "");
        Files.writeString(serverRoot.resolve("rtl\u202egnp.exe caf\u00e9"), "");
        Files.setLastModifiedTime(serverRoot.resolve("new\nline\ttab\rcr"), FileTime.fromMillis(1_700_000_000_999L));

        assertEquals(0, run("ls", at("/")), err::toString);
        assertEquals("back\\\\slash del\\x7f" + NL
                + "esc\\x1b[2Jred\\x07" + NL
                + "new\\nline\\ttab\\rcr" + NL
                + "rtl\\u202egnp.exe caf\u00e9" + NL, out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("ls", "-l", at("/new\nline\ttab\rcr")), err::toString);
        assertEquals("-            0 2023-11-14T22:13:20Z new\\nline\\ttab\\rcr" + NL, out.toString());
    }

    @Test
    void lsOfAFileListsTheFile() throws IOException {
        Files.createDirectories(serverRoot.resolve("d"));
        Files.writeString(serverRoot.resolve("d/x.txt"), "x");
        assertEquals(0, run("ls", at("/d/x.txt")), err::toString);
        assertEquals("x.txt" + NL, out.toString());
    }

    @Test
    void mkdirCreatesParentsAndMvRenames() throws IOException {
        assertEquals(0, run("mkdir", at("/a/b/c")), err::toString);
        assertTrue(Files.isDirectory(serverRoot.resolve("a/b/c")));
        Files.writeString(serverRoot.resolve("a/f.txt"), "f");
        assertEquals(0, run("mv", at("/a/f.txt"), "/a/b/g.txt"), err::toString);
        assertFalse(Files.exists(serverRoot.resolve("a/f.txt")));
        assertEquals("f", Files.readString(serverRoot.resolve("a/b/g.txt")));
        assertEquals("", out.toString());
    }

    @Test
    void rmDeletesAFileAndRefusesAFullDirectoryWithoutR() throws IOException {
        Files.createDirectories(serverRoot.resolve("d/e"));
        Files.writeString(serverRoot.resolve("d/e/x"), "x");
        Files.writeString(serverRoot.resolve("y"), "y");
        assertEquals(0, run("rm", at("/y")), err::toString);
        assertFalse(Files.exists(serverRoot.resolve("y")));
        assertEquals(CliFailure.REMOTE_FILE, run("rm", at("/d")));
        assertEquals("webrepl: delete /d: directory not empty (code 39)" + NL, err.toString());
        assertTrue(Files.exists(serverRoot.resolve("d/e/x")));
    }

    @Test
    void rmRecursiveDeletesTheTreeDepthFirst() throws IOException {
        Files.createDirectories(serverRoot.resolve("d/e/f"));
        Files.writeString(serverRoot.resolve("d/e/x"), "x");
        Files.writeString(serverRoot.resolve("d/y"), "y");
        Files.writeString(serverRoot.resolve("keep"), "k");
        assertEquals(0, run("rm", "-r", at("/d")), err::toString);
        assertEquals(List.of("keep"), names(serverRoot));
    }

    @Test
    void putRecursiveThenGetRecursiveRoundTripTheTree() throws IOException {
        Path tree = Files.createDirectories(local.resolve("tree"));
        Files.createDirectories(tree.resolve("empty"));
        Files.createDirectories(tree.resolve("pkg/sub"));
        byte[] big = new byte[150_000];
        new Random(5).nextBytes(big);
        Files.write(tree.resolve("pkg/sub/big.bin"), big);
        Files.writeString(tree.resolve("pkg/__init__.py"), "");
        Files.writeString(tree.resolve("main.py"), "import pkg\n");

        assertEquals(0, run("put", "-r", tree.toString(), at("/proj/v1")), err::toString);
        assertArrayEquals(big, Files.readAllBytes(serverRoot.resolve("proj/v1/pkg/sub/big.bin")));
        assertEquals("import pkg\n", Files.readString(serverRoot.resolve("proj/v1/main.py")));
        assertTrue(Files.isDirectory(serverRoot.resolve("proj/v1/empty")));
        assertTrue(out.toString().contains("put -r " + tree + " -> " + at("/proj/v1") + ": 3 files, 150011 bytes in "),
                out::toString);

        Path copy = local.resolve("copy");
        assertEquals(0, run("get", "-r", at("/proj/v1"), copy.toString()), err::toString);
        assertArrayEquals(big, Files.readAllBytes(copy.resolve("pkg/sub/big.bin")));
        assertEquals("", Files.readString(copy.resolve("pkg/__init__.py")));
        assertEquals("import pkg\n", Files.readString(copy.resolve("main.py")));
        assertEquals(List.of("empty", "main.py", "pkg"), names(copy));
        assertEquals("", err.toString());
    }

    @Test
    void putResumeUploadsTheWholeFileWhenNothingIsKept() throws IOException {
        byte[] content = new byte[70_000];
        new Random(6).nextBytes(content);
        Path source = Files.write(local.resolve("r.bin"), content);
        assertEquals(0, run("put", "--resume", source.toString(), at("/r.bin")), err::toString);
        assertArrayEquals(content, Files.readAllBytes(serverRoot.resolve("r.bin")));
    }

    @Test
    void getResumeContinuesThePartialAndRenamesIt() throws IOException {
        byte[] content = new byte[90_000];
        new Random(7).nextBytes(content);
        Files.write(serverRoot.resolve("g.bin"), content);
        Path target = local.resolve("g.bin");
        Files.write(local.resolve("g.bin.part"), Arrays.copyOf(content, 12_345));
        assertEquals(0, run("get", "--resume", at("/g.bin"), target.toString()), err::toString);
        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(List.of("g.bin"), names(local));
    }

    @Test
    void getResumeOfAMissingFileLeavesNoPartial() throws IOException {
        assertEquals(CliFailure.REMOTE_FILE, run("get", "--resume", at("/none"), local.resolve("none").toString()));
        assertEquals("webrepl: get /none: no such file or directory (code 2)" + NL, err.toString());
        assertEquals(List.of(), names(local));
    }

    @Test
    void everyFileCommandTakesTheServerAsAUrlOrAsHostPortForTheRoot() throws IOException {
        Files.writeString(serverRoot.resolve("main.py"), "print(1)\n");
        String url = "ws://127.0.0.1:" + server.port();

        assertEquals(0, run("ls", "127.0.0.1:" + server.port()));
        assertEquals("main.py" + NL, out.toString());
        assertEquals(0, run("get", url + "/main.py", local.resolve("got.py").toString()));
        assertEquals("print(1)\n", Files.readString(local.resolve("got.py")));
        assertEquals(0, run("put", local.resolve("got.py").toString(), url + "/up.py"));
        assertEquals("print(1)\n", Files.readString(serverRoot.resolve("up.py")));
        assertEquals(0, run("ls", url + "/"));
    }

    @Test
    void getIntoAMissingLocalDirectoryNamesThatDirectory() throws IOException {
        Files.writeString(serverRoot.resolve("here.txt"), "x");
        Path missing = local.resolve("no").resolve("such");

        assertEquals(CliFailure.LOCAL_FILE, run("get", at("/here.txt"), missing.resolve("here.txt").toString()));
        assertEquals("webrepl: local directory not found: " + missing + NL, err.toString());
        assertEquals(List.of(), names(local));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
