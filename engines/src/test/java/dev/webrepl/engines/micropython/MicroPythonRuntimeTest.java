package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MicroPythonRuntimeTest {
    @TempDir
    Path dir;

    private Map<String, String> env() {
        return Map.of("PATH", dir.toString(), "HOME", dir.toString());
    }

    @Test
    void withoutABinaryOrNodeTheProblemSaysWhatToInstall() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.auto, Optional.empty(),
                Optional.empty(), MicroPythonRuntime.Sandbox.none, env());
        assertTrue(d.runtime().isEmpty());
        assertEquals("--engine micropython needs MicroPython's unix port (`micropython` on PATH, or --micropython PATH) "
                + "or Node.js (Debian: nodejs) and the npm package @micropython/micropython-webassembly-pyscript "
                + "(npm install --prefix ~/.cache/webrepl/micropython-wasm "
                + "@micropython/micropython-webassembly-pyscript@1.27.0, or --micropython-wasm DIR); no node on PATH",
                d.problem());
    }

    @Test
    void aGivenBinaryMustBeAnExecutableFile() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.unix,
                Optional.of(dir.resolve("nope")), Optional.empty(), MicroPythonRuntime.Sandbox.none, env());
        assertEquals("--micropython " + dir.resolve("nope") + " is not an executable file", d.problem());
    }

    @Test
    void theUnixRuntimeIsNotReplacedByTheWasmOne() {
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.unix, Optional.empty(),
                Optional.empty(), MicroPythonRuntime.Sandbox.none, env());
        assertEquals("--micropython-runtime unix needs MicroPython's unix port: install it as `micropython` on PATH "
                + "or pass --micropython PATH", d.problem());
    }

    @Test
    void aBinaryOnPathIsTheUnixRuntime() throws Exception {
        Path mp = Files.createFile(dir.resolve("micropython"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        MicroPythonRuntime.Detection d = MicroPythonRuntime.detect(MicroPythonRuntime.Kind.auto, Optional.empty(),
                Optional.empty(), MicroPythonRuntime.Sandbox.none, env());
        assertEquals("micropython " + mp + ", no sandbox", d.runtime().orElseThrow().describe());
    }

    @Test
    void theSandboxBindsTheRootAndTheBinaryAndRunsTheRootScript() throws Exception {
        Path mp = Files.createFile(dir.resolve("micropython"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        MicroPythonRuntime r = new MicroPythonRuntime.Native(mp, MicroPythonRuntime.Sandbox.bubblewrap, Path.of("/usr/bin/bwrap"));
        List<String> c = r.command(Path.of("/srv/files"));
        assertEquals("/usr/bin/bwrap", c.get(0));
        String line = String.join(" ", c);
        assertTrue(line.startsWith("/usr/bin/bwrap --unshare-all --cap-drop ALL --die-with-parent "), line);
        assertTrue(line.contains(" --ro-bind " + mp + " /webrepl/micropython --bind /srv/files /webrepl/files"
                + " --chdir /webrepl/files --clearenv --setenv HOME / --setenv LANG C.UTF-8 -- "), line);
        assertEquals(List.of("/webrepl/micropython", "-i", "-c", MicroPythonRuntime.rootScript("/webrepl/files")),
                c.subList(c.size() - 4, c.size()));
        assertTrue(MicroPythonRuntime.rootScript("/webrepl/files").contains("vfs.mount(vfs.VfsPosix('/webrepl/files'), '/')\n"));
    }

    @Test
    void aHostRootIsQuotedForPython() {
        assertEquals("it\\'s a \\\\ \\n", MicroPythonRuntime.pythonString("it's a \\ \n"));
    }
}
