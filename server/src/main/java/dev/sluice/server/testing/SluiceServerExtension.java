package dev.sluice.server.testing;

import dev.sluice.server.SluiceServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.net.URI;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A JUnit 5 extension that starts a {@link SluiceServer} on a free port before a test class's tests and closes it
 * after them. Test methods, constructors and lifecycle methods get the endpoint by declaring a {@link URI} parameter,
 * or the server itself (engine, bucket directories) by declaring a {@link SluiceServer} parameter.
 *
 * <pre>{@code
 * @ExtendWith(SluiceServerExtension.class)
 * class OrderServiceTest {
 *     @Test
 *     void publishes(URI endpoint) { ... KinesisClient.builder().endpointOverride(endpoint) ... }
 * }
 *
 * // or, to configure the server:
 * @RegisterExtension
 * static SluiceServerExtension sluice = new SluiceServerExtension(b -> b.accessKeyIds(List.of("AKIDTEST")));
 * }</pre>
 *
 * <p>Thread-safety: one server per test class; safe with JUnit's parallel execution of classes. Needs
 * {@code junit-jupiter-api} on the class path (an optional dependency of this artifact: a test suite has it).
 */
public final class SluiceServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SluiceServerExtension.class);

    private final Consumer<SluiceServer.Builder> configuration;

    /** An in-memory server on a free port with the defaults. */
    public SluiceServerExtension() {
        this(builder -> { });
    }

    /**
     * A server configured by {@code configuration} (the port is set to 0 first; the configuration may change it).
     *
     * @param configuration applied to the builder before it is built
     */
    public SluiceServerExtension(Consumer<SluiceServer.Builder> configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        SluiceServer.Builder builder = SluiceServer.builder().port(0);
        configuration.accept(builder);
        SluiceServer server = builder.build().start();
        context.getStore(NAMESPACE).put(SluiceServer.class, server);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        SluiceServer server = context.getStore(NAMESPACE).remove(SluiceServer.class, SluiceServer.class);
        if (server != null) {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == URI.class || type == SluiceServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        SluiceServer server = server(context);
        return parameter.getParameter().getType() == URI.class ? server.endpoint() : server;
    }

    /**
     * Returns the running server of the test class in {@code context}, for use from other extensions.
     *
     * @param context a class or method context under this extension
     * @return the server
     * @throws ParameterResolutionException if no server runs for that class
     */
    public static SluiceServer server(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            SluiceServer server = c.getStore(NAMESPACE).get(SluiceServer.class, SluiceServer.class);
            if (server != null) {
                return server;
            }
        }
        throw new ParameterResolutionException("no SluiceServer runs for " + context.getDisplayName()
                + "; register SluiceServerExtension on the test class");
    }
}
