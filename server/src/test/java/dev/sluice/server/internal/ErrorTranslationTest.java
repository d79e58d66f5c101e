package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.stream.SluiceException;
import dev.sluice.stream.StreamException;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
    void translate_everyCodeOfEveryModule_byItsStatus_400sKeepTheirAwsName() {
        List<SluiceException> all = new ArrayList<>();
        for (dev.sluice.stream.ErrorCode code : dev.sluice.stream.ErrorCode.values()) {
            all.add(new StreamException(code, "m"));
        }
        for (dev.sluice.transform.ErrorCode code : dev.sluice.transform.ErrorCode.values()) {
            all.add(new TransformException(code, "m"));
        }
        for (dev.sluice.delivery.ErrorCode code : dev.sluice.delivery.ErrorCode.values()) {
            all.add(new DeliveryException(code, "m"));
        }
        for (SluiceException e : all) {
            ApiException api = ErrorTranslation.translate(e);
            assertEquals(e.errorCode().httpStatus(), api.status(), e::toString);
            String expected = switch (api.status()) {
                case 400 -> e.errorCode().code();
                case 503 -> "ServiceUnavailableException";
                default -> "InternalFailureException";
            };
            assertEquals(expected, api.type(), e::toString);
        }
    }

    @Test
    void translate_closedComponents_areResourceNotFound_inEveryModule() {
        assertWire(400, "ResourceNotFoundException", new StreamException(dev.sluice.stream.ErrorCode.ENGINE_CLOSED, "x"));
        assertWire(400, "ResourceNotFoundException", new TransformException(
                dev.sluice.transform.ErrorCode.RUNNER_CLOSED, "x"));
        assertWire(400, "ResourceNotFoundException", new DeliveryException(
                dev.sluice.delivery.ErrorCode.STREAM_CLOSED, "x"));
    }

    @Test
    void translate_apiException_passesThrough() {
        ApiException api = ApiException.validation("v");
        assertSame(api, ErrorTranslation.translate(api));
    }
}
