package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.ControlledEngine;
import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.SessionRegistryTest.CountingRandom;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue #10: session ids that name their node, and draining (no new sessions, the old ones carry on). */
class SessionRegistryNodesTest {
    private static final SessionConfig CONFIG = SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO)
            .withLinger(Duration.ZERO);

    private SessionRegistry registry = registry(SessionIds.forNode("node-a", new CountingRandom()));

    private static SessionRegistry registry(SessionIds ids) {
        return new SessionRegistry(ControlledEngine::new, ids, CONFIG, SessionRecorder.NONE);
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private Slot open() throws SessionException {
        FakePort port = new FakePort();
        return port.attached(registry.open(port));
    }

    @Test
    void aNodesIdsAreItsNameADotAndTheRandomPart() throws Exception {
        assertEquals("node-a.AAECAwQFBgcICQoLDA0ODw", open().session().id());
        assertEquals("node-a.EBESExQVFhcYGRobHB0eHw", open().session().id());
        assertEquals(Optional.of("node-a"), registry.node());
        assertEquals(Optional.of("node-a"), SessionIds.nodeOf("node-a.EBESExQVFhcYGRobHB0eHw"));
        assertTrue(SessionIds.ID.matcher("node-a.EBESExQVFhcYGRobHB0eHw").matches());
    }

    @Test
    void withoutANodeIdsAreUnchanged() throws Exception {
        registry.close();
        registry = registry(SessionIds.random(new CountingRandom()));

        assertEquals("AAECAwQFBgcICQoLDA0ODw", open().session().id());
        assertEquals(Optional.empty(), registry.node());
        assertEquals(Optional.empty(), SessionIds.nodeOf("AAECAwQFBgcICQoLDA0ODw"));
    }

    @Test
    void nodeNamesAreOneToThirtyTwoOfLowerCaseDigitsAndDash() {
        SecureRandom random = new SecureRandom();
        SessionIds.forNode("a", random);
        SessionIds.forNode("eu-west-1-" + "x".repeat(22), random);
        for (String bad : new String[] {"", "Node", "a.b", "a_b", "a/b", "x".repeat(33)}) {
            assertThrows(IllegalArgumentException.class, () -> SessionIds.forNode(bad, random), bad);
        }
    }

    @Test
    void aDrainingRegistryRefusesNewSessionsWith1013AndKeepsItsOwn() throws Exception {
        Slot first = open();
        registry.drain();

        SessionException e = assertThrows(SessionException.class, this::open);
        assertEquals(SessionException.TRY_AGAIN_LATER, e.closeCode());
        assertEquals("the server is draining: it takes no new sessions", e.getMessage());
        assertEquals(1, registry.size());
        FakePort viewer = new FakePort();
        viewer.attached(registry.attach(first.session().id(), TerminalMode.VIEW, viewer));
        assertEquals(1, first.session().terminals(TerminalMode.VIEW));
        assertTrue(registry.isDraining());
    }

    @Test
    void drainedCompletesWhenTheLastSessionHasEnded() throws Exception {
        Slot a = open();
        Slot b = open();
        CompletableFuture<Void> drained = registry.whenDrained();
        registry.drain();

        a.session().end(Session.NORMAL_CLOSURE, "done", "ended");
        assertFalse(drained.isDone());
        b.session().end(Session.NORMAL_CLOSURE, "done", "ended");
        drained.get(10, TimeUnit.SECONDS);
        assertEquals(0, registry.size());
    }

    @Test
    void drainedCompletesAtOnceWithoutSessionsButNotBeforeDraining() throws Exception {
        CompletableFuture<Void> drained = registry.whenDrained();
        assertFalse(drained.isDone());

        registry.drain();
        drained.get(10, TimeUnit.SECONDS);
        registry.whenDrained().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anUndrainedRegistryTakesNewSessionsAgainAndWaitsForTheNextDrain() throws Exception {
        Slot first = open();
        registry.drain();
        CompletableFuture<Void> drained = registry.whenDrained();
        registry.undrain();

        assertFalse(registry.isDraining());
        Slot second = open();
        assertEquals(2, registry.size());
        first.session().end(Session.NORMAL_CLOSURE, "done", "ended");
        second.session().end(Session.NORMAL_CLOSURE, "done", "ended");
        assertEquals(0, registry.size());
        assertFalse(drained.isDone(), "not draining when the last session ended");
        registry.drain();
        drained.get(10, TimeUnit.SECONDS);
    }
}
