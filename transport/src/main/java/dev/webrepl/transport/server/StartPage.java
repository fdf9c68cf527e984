package dev.webrepl.transport.server;

/** The page served for a plain {@code GET /} until the browser client exists (spec §9 T3). */
final class StartPage {
    static final String HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>webrepl</title></head>
            <body>
            <h1>webrepl</h1>
            <p>This is a WebREPL server. Connect a WebREPL client to this address with
            <code>ws://</code>, or use the command line:
            <code>webrepl repl HOST:PORT</code>, <code>webrepl put</code>, <code>webrepl get</code>.</p>
            </body>
            </html>
            """;

    private StartPage() {
    }
}
