package dev.webrepl.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the admin listener's {@code /health} cannot read from the session registry: whether the
 * WebREPL server still accepts connections, and a description of the engines' pool.
 *
 * @param listening  whether the WebREPL server is bound and accepting
 * @param enginePool e.g. {@code {"kind":"jshell","warm":2}}, or empty; values must be JSON-writable
 *                   (strings, numbers, booleans, maps, lists)
 */
public record ServerHealth(boolean listening, Map<String, Object> enginePool) {
    public ServerHealth {
        // Keeps the caller's key order: it is the order of the JSON object.
        enginePool = Collections.unmodifiableMap(new LinkedHashMap<>(enginePool));
    }
}
