package dev.sluice.server;

/** {@link KinesisRecordPathContract} with the SDK's default CBOR encoding. */
class KinesisRecordPathCborIT extends KinesisRecordPathContract {
    @Override
    boolean cbor() {
        return true;
    }
}
