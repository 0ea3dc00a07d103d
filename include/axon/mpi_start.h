/* axon/mpi_start.h - how axon starts MPI when no launcher started it. src/comm.
 *
 * A process run without mpirun/srun is an MPI singleton: it can talk to
 * no other process, yet Open MPI 4.1 as Debian configures it
 * (/etc/openmpi/openmpi-mca-params.conf: pml = ^ucx) opens every
 * remaining messaging component in MPI_Init, and the PSM/PSM2 probes of
 * the "cm" layer alone took 0.2 s here; it also starts a helper daemon
 * (orted) that a process which never spawns does not need (0.1 s with its
 * shutdown). With one-step Boltzmann machines and sweeps that run many
 * short jobs, that was a fifth of a run.
 */
#ifndef AXON_MPI_START_H
#define AXON_MPI_START_H

/* Call before MPI_Init. If no launcher variable is set (OMPI_COMM_WORLD_SIZE,
 * PMIX_RANK, PMI_RANK, PMI_SIZE): set OMPI_MCA_pml=ob1 unless the user set
 * it; and unless the user set OMPI_MCA_ess_singleton_isolated or
 * OMPI_MCA_orte_tmpdir_base, run without the orted helper (0.1 s per
 * process) in a private session directory base $TMPDIR/axon-mpi.XXXXXX,
 * removed at exit. Processes started by a launcher are left alone: their
 * messaging layer is the site's choice. */
void ax_mpi_singleton_defaults(void);

#endif
