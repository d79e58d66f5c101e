package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.stream.SluiceErrorCode;
import dev.sluice.stream.SluiceException;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One error model across the modules: one root, one code interface, one rule for configuration errors. */
class ErrorModelTest {

    @Test
    void everyModulesException_isASluiceException_withItsCodeAndRetryability() {
        List<SluiceException> failures = List.of(
                new StreamException(dev.sluice.stream.ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "slow down"),
                new TransformException(dev.sluice.transform.ErrorCode.INVOKE_TIMEOUT, "too slow"),
                new DeliveryException(dev.sluice.delivery.ErrorCode.SERVICE_UNAVAILABLE, "full"));
        for (SluiceException e : failures) {
            assertTrue(e.isRetryable(), e::toString);
            assertEquals(e.errorCode().code() + ": " + e.getMessage(), e.toString());
        }
        assertEquals("ProvisionedThroughputExceededException", failures.get(0).errorCode().code());
        assertEquals("Lambda.InvokeTimeout", failures.get(1).errorCode().code());
        assertEquals("ServiceUnavailableException", failures.get(2).errorCode().code());
    }

    @Test
    void everyCode_hasANameAndAStatusAwsUses() {
        Stream.of(dev.sluice.stream.ErrorCode.values(), dev.sluice.transform.ErrorCode.values(),
                dev.sluice.delivery.ErrorCode.values()).flatMap(Stream::of).forEach(code -> {
                    SluiceErrorCode c = (SluiceErrorCode) code;
                    assertFalse(c.code().isBlank(), code::toString);
                    assertTrue(List.of(400, 500, 503).contains(c.httpStatus()), code::toString);
                });
        // Exceptions an API call throws end in "Exception"; per-record codes do not.
        assertEquals("InternalFailureException", dev.sluice.stream.ErrorCode.INTERNAL_FAILURE.code());
        assertEquals("InternalFailure", dev.sluice.transform.ErrorCode.INTERNAL_FAILURE.code());
        assertEquals("InternalFailure", dev.sluice.delivery.ErrorCode.INTERNAL_FAILURE.code());
    }

    @Test
    void configurationErrors_areInvalidArgument_inEveryModule() {
        assertInvalidArgument(() -> StreamEngine.builder().writerThreads(0).build());
        assertInvalidArgument(() -> Processor.metadataExtraction("{customer_id: .a | }"));
        assertInvalidArgument(() -> Processor.projectFields());
        assertInvalidArgument(() -> dev.sluice.server.SluiceServer.builder().idleTimeout(java.time.Duration.ZERO)
                .build());
        assertInvalidArgument(() -> dev.sluice.delivery.DeliveryStream.builder().name("").build());
    }

    private static void assertInvalidArgument(org.junit.jupiter.api.function.Executable configuration) {
        SluiceException e = assertThrows(SluiceException.class, configuration);
        assertEquals("InvalidArgumentException", e.errorCode().code(), e::toString);
        assertEquals(400, e.errorCode().httpStatus());
    }
}
