package dev.webrepl.engines.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the {@code process} engine runs (DESIGN "Engines").
 *
 * @param command the program and its arguments; an absolute path starts fastest (no shim scripts)
 * @param environment the child's whole environment: nothing is inherited from the server, so secrets
 *     in the server's environment do not leak into sessions; {@code TERM=xterm-256color} is added
 *     unless given here
 * @param workingDirectory where a relative program is found and what the start check looks at (the
 *     server's file root); the child itself runs in its session's directory
 *     ({@link dev.webrepl.core.engine.EngineContext#workingDirectory()}, the owner's root with a users file)
 * @param columns initial terminal width
 * @param rows initial terminal height
 * @param killGrace how long {@link ProcessEngine#close()} waits after SIGHUP/SIGTERM before SIGKILL
 */
public record ProcessEngineConfig(
        List<String> command,
        Map<String, String> environment,
        Path workingDirectory,
        int columns,
        int rows,
        Duration killGrace) {

    public ProcessEngineConfig {
        command = List.copyOf(command);
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new IllegalArgumentException("command must name a program");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        if (columns <= 0 || rows <= 0) {
            throw new IllegalArgumentException("terminal size must be positive: " + columns + "x" + rows);
        }
        if (killGrace.isNegative()) {
            throw new IllegalArgumentException("killGrace must not be negative: " + killGrace);
        }
    }
}
