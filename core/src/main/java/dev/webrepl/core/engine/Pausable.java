package dev.webrepl.core.engine;

/** A producer of output that can stop and go on without losing anything (a pty reader). */
public interface Pausable {
    void pause();

    void resume();
}
