package dev.sluice.server.internal;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FirehoseDestinationsTest {

    @Test
    void bucketDirectory_refusesNamesThatEscapeTheBucketsDirectory() {
        Path root = Path.of("/buckets");
        assertEquals(root.resolve("my-bucket"), FirehoseDestinations.bucketDirectory(root, "my-bucket"));
        assertThrows(ApiException.class, () -> FirehoseDestinations.bucketDirectory(root, "../etc"));
        assertThrows(ApiException.class, () -> FirehoseDestinations.bucketDirectory(root, "a..b"));
        assertThrows(ApiException.class, () -> FirehoseDestinations.bucketDirectory(root, "UPPER"));
    }

    @Test
    void accessKeyId_isReadFromTheSigV4Credential() {
        assertEquals("AKID", ApiDispatcher.accessKeyId("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/"
                + "aws4_request, SignedHeaders=host, Signature=abc"));
        assertEquals(null, ApiDispatcher.accessKeyId("Bearer xyz"));
    }
}
