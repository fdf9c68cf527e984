package dev.webrepl.dupterm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionTest.FakeEngine;
import dev.webrepl.dupterm.SessionTest.Screen;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
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

    final List<FakeEngine> engines = new ArrayList<>();
    final SessionRegistry registry = new SessionRegistry(() -> {
        FakeEngine e = new FakeEngine(null);
        engines.add(e);
        return e;
    }, new SecureRandom());

    // --- ids -----------------------------------------------------------------------------------

    @Test
    void idIs22UrlSafeBase64CharactersEncoding128Bits() {
        Session session = registry.open();

        assertTrue(ID.matcher(session.id()).matches(), session.id());
        assertEquals(16, Base64.getUrlDecoder().decode(session.id()).length);
    }

    @Test
    void idIsTheUnpaddedUrlSafeBase64OfSixteenRandomBytes() {
        SessionRegistry counting = new SessionRegistry(() -> new FakeEngine(null), new CountingRandom());

        assertEquals("AAECAwQFBgcICQoLDA0ODw", counting.open().id());
        assertEquals("EBESExQVFhcYGRobHB0eHw", counting.open().id());
    }

    @Test
    void idsOfAThousandOpensAreUniqueAndWellFormed() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = registry.open().id();
            assertTrue(ID.matcher(id).matches(), id);
            ids.add(id);
        }

        assertEquals(1000, ids.size());
        assertEquals(1000, registry.size());
    }

    // --- registry ------------------------------------------------------------------------------

    @Test
    void anOpenedSessionCanBeFoundByItsId() {
        Session session = registry.open();

        assertEquals(session, registry.find(session.id()).orElseThrow());
        assertTrue(registry.find("AAAAAAAAAAAAAAAAAAAAAA").isEmpty());
        assertEquals(List.of(session), List.copyOf(registry.sessions()));
    }

    @Test
    void eachSessionGetsItsOwnEngineWhichStartsOnlyAtTheFirstAttach() {
        Session a = registry.open();
        registry.open();

        assertEquals(2, engines.size());
        assertEquals(0, engines.get(0).starts);
        a.attach(new Screen());
        a.attach(new Screen());
        assertEquals(1, engines.get(0).starts);
        assertEquals(0, engines.get(1).starts);
    }

    @Test
    void registryCloseEndsEverySessionAndClosesEveryEngine() {
        Session a = registry.open();
        Session b = registry.open();
        a.attach(new Screen());

        registry.close();

        assertTrue(a.ended());
        assertTrue(b.ended());
        assertEquals(List.of(1, 1), engines.stream().map(e -> e.closes).toList());
        assertEquals(0, registry.size());
        assertTrue(registry.find(a.id()).isEmpty());
    }
}
