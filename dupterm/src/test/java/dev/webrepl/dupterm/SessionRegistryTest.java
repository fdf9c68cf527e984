package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Fakes.FakePort;
import dev.webrepl.dupterm.Fakes.Harness;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionRegistryTest {
    /** A random source that hands out 0, 1, 2, ... so ids are predictable. */
    static final class CountingRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private int next;

        @Override
        public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) next++;
            }
        }
    }

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final SessionConfig CONFIG = SessionConfig.DEFAULTS.withIdleTimeout(Duration.ZERO)
            .withMaxSessions(2000);

    Harness harness = new Harness(CONFIG);
    Harness other;

    @AfterEach
    void close() {
        harness.close();
        if (other != null) {
            other.close();
        }
    }

    // --- ids -----------------------------------------------------------------------------------

    @Test
    void idIs22UrlSafeBase64CharactersEncoding128Bits() throws Exception {
        String id = harness.open(new FakePort()).session().id();

        assertTrue(ID.matcher(id).matches(), id);
        assertEquals(16, Base64.getUrlDecoder().decode(id).length);
    }

    @Test
    void idIsTheUnpaddedUrlSafeBase64OfSixteenRandomBytes() throws Exception {
        harness.close();
        harness = new Harness(CONFIG, new CountingRandom());

        assertEquals("AAECAwQFBgcICQoLDA0ODw", harness.open(new FakePort()).session().id());
        assertEquals("EBESExQVFhcYGRobHB0eHw", harness.open(new FakePort()).session().id());
    }

    @Test
    void idsOfAThousandOpensAreUniqueAndWellFormed() throws Exception {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = harness.open(new FakePort()).session().id();
            assertTrue(ID.matcher(id).matches(), id);
            ids.add(id);
        }

        assertEquals(1000, ids.size());
        assertEquals(1000, harness.registry.size());
    }

    // --- registry ------------------------------------------------------------------------------

    @Test
    void anOpenedSessionCanBeFoundByItsId() throws Exception {
        Session session = harness.open(new FakePort()).session();

        assertEquals(session, harness.registry.find(session.id()).orElseThrow());
        assertTrue(harness.registry.find("AAAAAAAAAAAAAAAAAAAAAA").isEmpty());
        assertEquals(List.of(session), List.copyOf(harness.registry.sessions()));
    }

    @Test
    void eachSessionGetsItsOwnEngineStartedOnceWithItsFirstTerminal() throws Exception {
        Slot a = harness.open(new FakePort());
        harness.open(new FakePort());
        harness.attach(a, TerminalMode.READ_WRITE, new FakePort());
        harness.attach(a, TerminalMode.VIEW, new FakePort());

        assertEquals(2, harness.engines.size());
        assertEquals(List.of(1, 1), harness.engines.stream().map(e -> e.starts.get()).toList());
        assertEquals(a.session().id(), harness.engines.get(0).context.sessionId());
    }

    @Test
    void registryCloseEndsEverySessionWith1001AndClosesEveryEngineOnce() throws Exception {
        FakePort pa = new FakePort();
        Slot a = harness.open(pa);
        Slot b = harness.open(new FakePort());

        harness.registry.close();

        assertTrue(a.session().ended());
        assertTrue(b.session().ended());
        assertEquals("\r\nsession ended: server shutting down\r\n", pa.drain());
        assertEquals(List.of("1001:server shutting down"), pa.closes);
        assertEquals(List.of(1, 1), harness.engines.stream().map(e -> e.closes.get()).toList());
        assertEquals(0, harness.registry.size());
        assertEquals(List.of("shutdown", "shutdown"), harness.recorder.ended);
    }

    // --- limits --------------------------------------------------------------------------------

    @Test
    void overMaxSessionsOpenFailsWith1013AndExistingSessionsAreUntouched() throws Exception {
        harness.close();
        harness = new Harness(CONFIG.withMaxSessions(2));
        FakePort pa = new FakePort();
        Slot a = harness.open(pa);
        Slot b = harness.open(new FakePort());
        FakePort refused = new FakePort();

        SessionException e = assertThrows(SessionException.class, () -> harness.open(refused));

        assertEquals(1013, e.closeCode());
        assertEquals("the server has its maximum of 2 sessions", e.getMessage());
        assertEquals(2, harness.engines.size(), "no engine is made for a refused session");
        assertEquals(2, harness.registry.size());
        assertFalse(a.session().ended() || b.session().ended());
        assertEquals(List.of(), pa.closes);
        assertEquals(List.of(), refused.closes);
        assertEquals(0, refused.outputAvailable.get());
    }

    @Test
    void overMaxTerminalsAttachFailsWith1013() throws Exception {
        harness.close();
        harness = new Harness(CONFIG.withMaxTerminals(2));
        Slot a = harness.open(new FakePort());
        harness.attach(a, TerminalMode.VIEW, new FakePort());

        SessionException e = assertThrows(SessionException.class,
                () -> harness.attach(a, TerminalMode.READ_WRITE, new FakePort()));

        assertEquals(1013, e.closeCode());
        assertEquals("session " + a.session().id() + " has its maximum of 2 terminals", e.getMessage());
        assertEquals(2, a.session().terminals());
    }

    @Test
    void attachingToAnUnknownSessionFailsWith1008() {
        SessionException e = assertThrows(SessionException.class,
                () -> harness.registry.attach("AAAAAAAAAAAAAAAAAAAAAA", TerminalMode.READ_WRITE, new FakePort()));

        assertEquals(1008, e.closeCode());
        assertEquals("no such session: AAAAAAAAAAAAAAAAAAAAAA", e.getMessage());
    }

    // --- no global state -----------------------------------------------------------------------

    @Test
    void twoRegistriesShareNoIdsLimitsOrSessions() throws Exception {
        harness.close();
        harness = new Harness(CONFIG.withMaxSessions(1), new CountingRandom());
        other = new Harness(CONFIG.withMaxSessions(1), new CountingRandom());

        Slot a = harness.open(new FakePort());
        Slot b = other.open(new FakePort());

        assertEquals("AAECAwQFBgcICQoLDA0ODw", a.session().id());
        assertEquals(a.session().id(), b.session().id(), "each draws ids from its own random source");
        assertEquals(a.session(), harness.registry.find(a.session().id()).orElseThrow());
        assertEquals(b.session(), other.registry.find(b.session().id()).orElseThrow());
        harness.registry.close();
        assertTrue(a.session().ended());
        assertFalse(b.session().ended());
        assertEquals(1, other.registry.size());
        assertEquals(List.of(), other.recorder.ended);
    }
}
