package dev.webrepl.core.engine;

/** A terminal's size in character cells. */
public record TerminalSize(int columns, int rows) {
    /** What a terminal is assumed to be until a client says otherwise. */
    public static final TerminalSize DEFAULT = new TerminalSize(80, 24);

    public TerminalSize {
        if (columns < 1 || columns > 0xFFFF || rows < 1 || rows > 0xFFFF) {
            throw new IllegalArgumentException("terminal size " + columns + "x" + rows + " out of range");
        }
    }
}
