package dev.sluice.server.internal;

import java.security.KeyPair;
import java.security.cert.X509Certificate;

/** Test access to the server's certificate generator, for PEM files handed to {@code SluiceServer.Builder.tls}. */
public final class TestCertificates {

    private TestCertificates() {
    }

    public static X509Certificate selfSigned(KeyPair keys) {
        return SelfSignedCertificates.generate("localhost", keys).certificate();
    }
}
