/**
 * The containerizer actor (registry, launch validation, recovery at start, GET_CONTAINERS
 * aggregation) and one supervising actor per container: its lifecycle records and phases
 * (launch, run, destroy, update, recovered), the isolator actors and their protocol, usage
 * collection and the askers it owns. Each actor runs on {@code corral.actor-dispatcher}, one
 * message at a time, and never blocks; isolator calls run on {@code corral.blocking-dispatcher}.
 */
package io.corral.actors.container;
