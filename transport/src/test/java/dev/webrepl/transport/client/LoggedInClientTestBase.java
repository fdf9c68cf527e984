package dev.webrepl.transport.client;

import dev.webrepl.transport.conformance.ServerTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The server of {@link ServerTestBase} and one {@link WebReplClient} logged in to it as {@link #c};
 * the connection and the client are closed after each test, before the server.
 */
abstract class LoggedInClientTestBase extends ServerTestBase {
    WebReplClient client;
    ReplConnection c;

    @BeforeEach
    void logIn() {
        client = WebReplClient.newClient();
        c = client.connect("127.0.0.1", server.port(), PASSWORD).join();
    }

    @AfterEach
    void closeClient() {
        c.close();
        client.close();
    }
}
