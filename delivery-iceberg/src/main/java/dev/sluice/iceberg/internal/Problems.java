package dev.sluice.iceberg.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;

/** Configuration errors of the Iceberg destination, in the delivery vocabulary. Stateless. */
public final class Problems {

    private Problems() {
    }

    /** An {@link ErrorCode#INVALID_ARGUMENT} failure with the message. */
    public static DeliveryException invalidArgument(String message) {
        return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
