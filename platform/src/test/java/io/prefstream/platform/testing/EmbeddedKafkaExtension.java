package io.prefstream.platform.testing;

import io.prefstream.platform.kafka.EmbeddedKafka;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a running {@link EmbeddedKafka}.
 *
 * <ul>
 *   <li>{@code @ExtendWith(EmbeddedKafkaExtension.class)}: one broker shared by every test class in
 *       the JVM, started on first use and stopped when JUnit finishes. Tests sharing it must use
 *       their own topic names and consumer groups (see {@link TestNames}).</li>
 *   <li>{@code @RegisterExtension static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();}:
 *       a fresh broker for this class, stopped after its last test.</li>
 * </ul>
 * Test methods, constructors and lifecycle methods may declare an {@link EmbeddedKafka} parameter;
 * {@link #bootstrapServers()} is available on a registered instance.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);

    private final boolean perClass;
    private volatile EmbeddedKafka kafka;

    /** The shared-per-JVM mode used by {@code @ExtendWith}. */
    public EmbeddedKafkaExtension() {
        this(false);
    }

    private EmbeddedKafkaExtension(boolean perClass) {
        this.perClass = perClass;
    }

    /** A broker of its own for the registering test class. */
    public static EmbeddedKafkaExtension perClass() {
        return new EmbeddedKafkaExtension(true);
    }

    /** The broker, once {@code beforeAll} ran. */
    public EmbeddedKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException("The embedded broker is not started yet: use it from @BeforeAll or later");
        }
        return kafka;
    }

    public String bootstrapServers() {
        return kafka().bootstrapServers();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (perClass) {
            kafka = EmbeddedKafka.start();
        } else {
            kafka = context.getRoot()
                    .getStore(NAMESPACE)
                    .getOrComputeIfAbsent("shared", key -> new SharedBroker(EmbeddedKafka.start()), SharedBroker.class)
                    .kafka();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (perClass && kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return kafka();
    }

    /** Closes the shared broker when the root context closes (end of the test run). */
    private record SharedBroker(EmbeddedKafka kafka) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            kafka.close();
        }
    }
}
