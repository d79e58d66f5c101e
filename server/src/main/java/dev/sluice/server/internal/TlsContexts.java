package dev.sluice.server.internal;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Server TLS: the JDK provider with ALPN offering {@code h2} then {@code http/1.1}, HTTP/2-approved ciphers.
 * Without a given certificate, a self-signed one is generated at start ({@link SelfSignedCertificates}).
 */
final class TlsContexts {

    private TlsContexts() {
    }

    static SslContext server(Optional<Path> chain, Optional<Path> key) {
        try {
            SslContextBuilder builder;
            if (chain.isPresent() && key.isPresent()) {
                builder = SslContextBuilder.forServer(chain.get().toFile(), key.get().toFile());
            } else {
                SelfSignedCertificates.Generated generated = SelfSignedCertificates.generate("localhost");
                builder = SslContextBuilder.forServer(generated.privateKey(), generated.certificate());
            }
            return builder.sslProvider(SslProvider.JDK)
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
