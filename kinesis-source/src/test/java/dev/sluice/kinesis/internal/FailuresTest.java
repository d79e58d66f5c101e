package dev.sluice.kinesis.internal;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How SDK failures are sorted, and the back-off sequence. */
class FailuresTest {

    private static AwsServiceException service(int status, String code) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
    }

    @Test
    void classify_kinesisExceptions_byName() {
        assertEquals(Failures.Kind.THROTTLED, Failures.classify(new CompletionException(
                ProvisionedThroughputExceededException.builder().message("Rate exceeded").build())));
        assertEquals(Failures.Kind.THROTTLED, Failures.classify(LimitExceededException.builder().build()));
        assertEquals(Failures.Kind.EXPIRED_ITERATOR, Failures.classify(ExpiredIteratorException.builder().build()));
        assertEquals(Failures.Kind.NOT_FOUND, Failures.classify(ResourceNotFoundException.builder().build()));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(AccessDeniedException.builder().statusCode(400)
                .build()));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(InvalidArgumentException.builder().statusCode(400)
                .build()));
        assertEquals(Failures.Kind.CANCELLED, Failures.classify(new CancellationException()));
    }

    @Test
    void classify_ioErrorsAndServerErrors_areTransient_otherFourHundredsPermanent() {
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(new CompletionException(SdkClientException.create(
                "Unable to execute HTTP request", new IOException("Connection refused")))));
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(new CompletionException(
                new IOException("Read timed out"))));
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(service(500, "InternalFailure")));
        assertEquals(Failures.Kind.TRANSIENT, Failures.classify(service(503, "ServiceUnavailable")));
        assertEquals(Failures.Kind.THROTTLED, Failures.classify(service(400, "ThrottlingException")));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(service(403, "UnrecognizedClientException")));
        assertEquals(Failures.Kind.PERMANENT, Failures.classify(new IllegalStateException("a defect")));
        assertEquals("UnrecognizedClientException: m", Failures.describe(service(403, "UnrecognizedClientException")));
    }

    @Test
    void backoff_doublesFrom200MillisToFiveSeconds_andResets() {
        Backoff backoff = new Backoff();
        long[] expected = {200, 400, 800, 1_600, 3_200, 5_000, 5_000};
        for (long millis : expected) {
            assertEquals(Duration.ofMillis(millis).toNanos(), backoff.next());
        }
        assertEquals(7, backoff.failures());
        backoff.reset();
        assertEquals(0, backoff.failures());
        assertEquals(Duration.ofMillis(200).toNanos(), backoff.next());
    }

    @Test
    void tenth_marksTheFailuresOfAStreakThatAreLogged() {
        for (int n = 1; n <= 1_000; n++) {
            assertEquals(n == 1 || n == 10 || n == 100 || n == 1_000, KinesisReader.tenth(n), "n=" + n);
        }
    }
}
