package dev.webrepl.core.audit;

/**
 * Where audit events go (one JSON line each, README "Audit log"). Called on I/O and worker
 * threads: implementations must be quick and must never block (queue, and drop when full).
 */
@FunctionalInterface
public interface AuditLog {
    AuditLog NONE = event -> { };

    void record(AuditEvent event);
}
