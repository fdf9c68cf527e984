package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MicroPythonRuntimeTest {
    @TempDir
    Path dir;

    @Test
    void withoutABinaryOnPathTheProblemSaysWhatToInstall() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.auto, Optional.empty(),
                MicroPythonRuntime.Sandbox.bubblewrap, dir.toString());
        assertTrue(d.runtime().isEmpty());
        assertEquals("--engine micropython needs MicroPython: install its unix port as `micropython` on PATH "
                + "(or pass --micropython PATH) and bubblewrap (" + MicroPythonRuntime.NO_WASM + ")", d.problem());
    }

    @Test
    void aGivenBinaryMustBeAnExecutableFile() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.unix,
                Optional.of(dir.resolve("nope")), MicroPythonRuntime.Sandbox.none, "");
        assertEquals("--micropython " + dir.resolve("nope") + " is not an executable file", d.problem());
    }

    @Test
    void theWasmRuntimeIsRefusedInOneLineUntilItIsPartOfTheBuild() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.wasm, Optional.empty(),
                MicroPythonRuntime.Sandbox.bubblewrap, "");
        assertEquals("--micropython-runtime wasm: " + MicroPythonRuntime.NO_WASM, d.problem());
    }

    @Test
    void theSandboxBindsTheRootAndTheBinaryAndRunsTheRootScript() throws Exception {
        Path mp = Files.createFile(dir.resolve("micropython"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        MicroPythonRuntime r = new MicroPythonRuntime.Native(mp, MicroPythonRuntime.Sandbox.bubblewrap, Path.of("/usr/bin/bwrap"));
        List<String> c = r.command(Path.of("/srv/files"));
        assertEquals("/usr/bin/bwrap", c.get(0));
        String line = String.join(" ", c);
        assertTrue(line.contains(" --ro-bind " + mp + " /webrepl/micropython --bind /srv/files /webrepl/files"
                + " --chdir /webrepl/files --unshare-all --die-with-parent --clearenv "), line);
        assertEquals(List.of("/webrepl/micropython", "-i", "-c", MicroPythonRuntime.rootScript("/webrepl/files")),
                c.subList(c.size() - 4, c.size()));
        assertTrue(MicroPythonRuntime.rootScript("/webrepl/files").contains("vfs.mount(vfs.VfsPosix('/webrepl/files'), '/')\n"));
    }
}
