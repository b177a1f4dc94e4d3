package io.prefstream.labeler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.labeler.human.LabelerTokens;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.schemas.LabelKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LabelerConfigTest {

    @Test
    void defaults() {
        var c = TestData.config(Map.of());
        assertEquals(List.of(MachineKind.RULE), c.machine().kinds());
        assertEquals(HumanRoute.NONE, c.human().route());
        assertEquals(List.of(LabelKind.RULE), c.join().requiredKinds());
        assertEquals(Duration.ofSeconds(60), c.join().timeout());
        assertEquals(Duration.ofMinutes(2), c.human().lease());
        assertEquals(8080, c.human().httpPort());
        assertTrue(c.human().tokens().isEmpty());
    }

    /** Issue 18: the labeling server answers this machine only, and limits how long clients hold it. */
    @Test
    void theLabelingServerListensOnLoopbackWithTimeoutsAndAConnectionLimitByDefault() {
        var c = TestData.config(Map.of());
        assertEquals("127.0.0.1", c.human().httpHost());
        assertEquals("127.0.0.1", LabelerSettings.HTTP_HOST.defaultValue());
        assertEquals(Duration.ofSeconds(60), c.human().httpIdleTimeout());
        assertEquals(Duration.ofSeconds(30), c.human().httpRequestTimeout());
        assertEquals(256, c.human().httpMaxConnections());

        var exposed = LabelerConfig.from(ConfigLoader.forSettings(LabelerSettings.ALL)
                .withEnv(Map.of("PREFSTREAM_LABELER_HTTP_HOST", "0.0.0.0"))
                .load());
        assertEquals("0.0.0.0", exposed.human().httpHost());
        var set = TestData.config(Map.of(
                "labeler.http.idle-timeout-ms", "1500",
                "labeler.http.request-timeout-ms", "700",
                "labeler.http.max-connections", "3"));
        assertEquals(Duration.ofMillis(1500), set.human().httpIdleTimeout());
        assertEquals(Duration.ofMillis(700), set.human().httpRequestTimeout());
        assertEquals(3, set.human().httpMaxConnections());
    }

    @Test
    void anExplicitLabelerIdGivesEachConsumerAStaticMemberIdAndNoneWithout() {
        assertEquals(Optional.empty(), TestData.config(Map.of()).staticMemberId("label-join"));
        var c = TestData.config(Map.of("labeler.id", "labeler-2"));
        assertEquals(Optional.of("labeler-2-label-join"), c.staticMemberId("label-join"));
        assertEquals(Optional.of("labeler-2-rule"), c.staticMemberId("rule"));
        var e = assertThrows(ConfigException.class, () -> TestData.config(Map.of("labeler.id", "two words")));
        assertEquals("labeler.id", e.key());
    }

    @Test
    void badServerLimitsAreRejectedNamingTheKey() {
        for (var bad : Map.of(
                        "labeler.http.idle-timeout-ms", "0",
                        "labeler.http.request-timeout-ms", "-5",
                        "labeler.http.max-connections", "0")
                .entrySet()) {
            var e = assertThrows(ConfigException.class, () -> TestData.config(Map.of(bad.getKey(), bad.getValue())));
            assertEquals(bad.getKey(), e.key());
            assertTrue(
                    e.getMessage().contains("Invalid value '" + bad.getValue() + "' for " + bad.getKey()),
                    e.getMessage());
        }
        var text = assertThrows(
                ConfigException.class, () -> TestData.config(Map.of("labeler.http.request-timeout-ms", "30s")));
        assertTrue(text.getMessage().contains("expected an integer in [100, 3600000]"), text.getMessage());
        var record = assertThrows(
                ConfigException.class,
                () -> new LabelerConfig.Human(
                        HumanRoute.NONE,
                        0.1,
                        0.1,
                        1,
                        10,
                        Duration.ofMinutes(2),
                        Duration.ofSeconds(20),
                        0,
                        LabelerTokens.none(),
                        null,
                        "127.0.0.1",
                        8080,
                        Duration.ofSeconds(60),
                        Duration.ZERO,
                        256));
        assertEquals(LabelerSettings.HTTP_REQUEST_TIMEOUT_MS.key(), record.key());
    }

    @Test
    void tokensComeFromTheEnvironmentAndNeverAppearInDumpsOrErrors() {
        var resolved = ConfigLoader.forSettings(LabelerSettings.ALL)
                .withEnv(Map.of("PREFSTREAM_LABELER_TOKENS", "alice:s3cret-a, bob:s3cret-b"))
                .load();
        var tokens = LabelerConfig.from(resolved).human().tokens();
        assertEquals(Optional.of("alice"), tokens.labelerFor("s3cret-a"));
        assertEquals(Optional.of("bob"), tokens.labelerFor("s3cret-b"));
        assertEquals(Optional.empty(), tokens.labelerFor("s3cret"));
        assertEquals(Optional.empty(), tokens.labelerFor(""));
        assertFalse(resolved.describe().contains("s3cret"), resolved.describe());
        assertTrue(resolved.describe().contains("labeler.tokens = [alice:******, bob:******]"));
        assertFalse(LabelerConfig.from(resolved).toString().contains("s3cret"));

        var bad = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.tokens", "alice:x1,bob-without-token-s3cret")));
        assertEquals("labeler.tokens", bad.key());
        assertTrue(bad.getMessage().contains("entry 2 has no ':'"), bad.getMessage());
        assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
        var shared = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.tokens", "alice:same-s3cret,bob:same-s3cret")));
        assertTrue(shared.getMessage().contains("'alice' and 'bob' share one token"), shared.getMessage());
        assertEquals("[]", LabelerTokens.none().toString());
    }

    @Test
    void viewLeaseIsCappedAtTheLeaseAndTheTokenFileMustExist() {
        var c = TestData.config(Map.of());
        assertEquals(Duration.ofSeconds(20), c.human().viewLease());
        assertEquals(0, c.human().labelsPerStep());
        assertEquals(null, c.human().tokenFile());
        var capped = TestData.config(Map.of("labeler.lease-ms", "1500", "labeler.view-lease-ms", "20000"));
        assertEquals(Duration.ofMillis(1500), capped.human().viewLease());
        var missing = assertThrows(
                ConfigException.class, () -> TestData.config(Map.of("labeler.http.token-file", "/no/such/tokens")));
        assertEquals("labeler.http.token-file", missing.key());
        assertTrue(
                missing.getMessage().contains("'/no/such/tokens'")
                        && missing.getMessage().contains("expected an existing file of labeler-id:token lines"),
                missing.getMessage());
    }

    @Test
    void rejectsCombinationsThatCannotWork() {
        var uncertain = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.human.route", "uncertain", "join.required-kinds", "HUMAN")));
        assertEquals("join.required-kinds", uncertain.key());
        var human = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.human.route", "fraction", "join.required-kinds", "RULE,HUMAN")));
        assertTrue(human.getMessage().contains("no HUMAN unless labeler.human.route=all"), human.getMessage());
        var votes = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.human.votes", "2", "join.min-human-votes", "3")));
        assertEquals("join.min-human-votes", votes.key());
        var rm = assertThrows(
                ConfigException.class, () -> TestData.config(Map.of("labeler.machine", "rule,reward-model")));
        assertEquals("labeler.reward-model.checkpoint", rm.key());
        var url = assertThrows(
                ConfigException.class,
                () -> TestData.config(Map.of("labeler.machine", "remote", "labeler.remote.url", "ftp://rm")));
        assertTrue(url.getMessage().contains("expected an http:// or https:// URL"), url.getMessage());
        var kind = assertThrows(ConfigException.class, () -> TestData.config(Map.of("labeler.machine", "rule,magic")));
        assertTrue(kind.getMessage().contains("Invalid value 'rule,magic' for labeler.machine"), kind.getMessage());
        assertEquals(
                List.of(),
                TestData.config(Map.of("labeler.machine", "none")).machine().kinds());
    }
}
