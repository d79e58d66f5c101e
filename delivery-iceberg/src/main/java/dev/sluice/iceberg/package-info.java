/**
 * Apache Iceberg tables as a delivery destination (Firehose's Iceberg destination): an
 * {@link dev.sluice.iceberg.IcebergDestination} is a {@code Sink} that turns each delivery object into one Iceberg
 * append per table, exactly once, with no Hadoop on the class path.
 *
 * <ul>
 *   <li>{@link dev.sluice.iceberg.IcebergCatalog}: the embedded (JDBC on SQLite) and REST catalogs.</li>
 *   <li>{@link dev.sluice.iceberg.DestinationTableConfiguration} and {@link dev.sluice.iceberg.PartitionField}:
 *       tables, their schemas and partition specs.</li>
 * </ul>
 *
 * <p>Implementation lives in {@code dev.sluice.iceberg.internal}, which is not API.
 */
package dev.sluice.iceberg;
