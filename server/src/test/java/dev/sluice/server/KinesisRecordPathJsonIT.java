package dev.sluice.server;

/** {@link KinesisRecordPathContract} in AWS JSON 1.1. */
class KinesisRecordPathJsonIT extends KinesisRecordPathContract {
    @Override
    boolean cbor() {
        return false;
    }
}
