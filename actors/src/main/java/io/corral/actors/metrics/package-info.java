/**
 * Internal: {@link io.corral.actors.metrics.MetricsRecorder}, the one writer of the meters that
 * {@link io.corral.actors.ContainerMetrics} names. An embedding reads the meters from its registry
 * and never records into them.
 */
package io.corral.actors.metrics;
