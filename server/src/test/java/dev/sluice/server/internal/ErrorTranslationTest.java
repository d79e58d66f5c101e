package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.stream.StreamException;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ErrorTranslationTest {

    private static void assertWire(int status, String type, Throwable failure) {
        ApiException api = ErrorTranslation.translate(failure);
        assertEquals(type, api.type(), failure::toString);
        assertEquals(status, api.status(), failure::toString);
    }

    @Test
    void translate_clientMistakesOfEveryModule_are400WithTheAwsName() {
        assertWire(400, "InvalidArgumentException", new StreamException(dev.sluice.stream.ErrorCode.INVALID_ARGUMENT,
                "x"));
        assertWire(400, "ResourceNotFoundException", new StreamException(
                dev.sluice.stream.ErrorCode.RESOURCE_NOT_FOUND, "x"));
        assertWire(400, "InvalidArgumentException", new TransformException(
                dev.sluice.transform.ErrorCode.INVALID_ARGUMENT, "bad JQ"));
        assertWire(400, "InvalidArgumentException", new DeliveryException(
                dev.sluice.delivery.ErrorCode.INVALID_ARGUMENT, "x"));
        assertWire(400, "ValidationException", new DeliveryException(dev.sluice.delivery.ErrorCode.VALIDATION, "x"));
        assertWire(400, "InvalidArgumentException", new CompletionException(new TransformException(
                dev.sluice.transform.ErrorCode.INVALID_ARGUMENT, "wrapped")));
    }

    @Test
    void translate_unknownRuntimeExceptions_stay500InternalFailure() {
        assertWire(500, "InternalFailureException", new IllegalStateException("bug"));
        assertWire(500, "InternalFailureException", new StreamException(dev.sluice.stream.ErrorCode.INTERNAL_FAILURE,
                "x"));
        assertWire(500, "InternalFailureException", new TransformException(
                dev.sluice.transform.ErrorCode.INTERNAL_FAILURE, "x"));
        assertWire(503, "ServiceUnavailableException", new DeliveryException(
                dev.sluice.delivery.ErrorCode.SERVICE_UNAVAILABLE, "x"));
    }

    @Test
    void translate_apiException_passesThrough() {
        ApiException api = ApiException.validation("v");
        assertSame(api, ErrorTranslation.translate(api));
    }
}
