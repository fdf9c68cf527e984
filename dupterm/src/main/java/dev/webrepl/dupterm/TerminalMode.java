package dev.webrepl.dupterm;

/** How a terminal is attached to its session. */
public enum TerminalMode {
    /** Input goes to the engine. */
    READ_WRITE,
    /** Output only; input is ignored ({@code ?mode=view}). */
    VIEW
}
