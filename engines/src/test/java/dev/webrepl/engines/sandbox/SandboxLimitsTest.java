package dev.webrepl.engines.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SandboxLimitsTest {
    @Test
    void sizesAreBinaryWithOrWithoutAUnit() {
        assertEquals(512L << 20, SandboxLimits.parseBytes("512m"));
        assertEquals(1L << 30, SandboxLimits.parseBytes("1G"));
        assertEquals(64L << 10, SandboxLimits.parseBytes("64KiB"));
        assertEquals(1000, SandboxLimits.parseBytes("1000"));
        assertEquals(0, SandboxLimits.parseBytes("0"));
        assertEquals("not a size: 1.5g (e.g. 512m, 1g)",
                assertThrows(IllegalArgumentException.class, () -> SandboxLimits.parseBytes("1.5g")).getMessage());
    }

    @Test
    void theMemoryReasonNamesTheLimitInBinaryUnits() {
        assertEquals("memory limit 512 MiB reached", SandboxLimits.DEFAULTS.memoryReason());
        assertEquals("memory limit 1.5 GiB reached", new SandboxLimits(3L << 29, 0, 0, 0).memoryReason());
        assertEquals("memory limit 1000 bytes reached", new SandboxLimits(1000, 0, 0, 0).memoryReason());
    }

    @Test
    void negativeLimitsAndATinyCpuShareAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(-1, 0, 0, 0));
        assertEquals("--limit-cpu must be 0 (none) or at least 0.01 cores: 0.001",
                assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(0, 0.001, 0, 0)).getMessage());
    }
}
