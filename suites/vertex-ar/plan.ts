/**
 * How a profile scales the suite (issue 6): baseline (light, for comparison), load (the expected peak), stress (past
 * capacity, to find the knee and watch recovery), endurance (the sustained workload for `--duration`, with the leak
 * verdict). `--quick` shortens every test to fit the whole suite in about a minute; verdicts that need more time
 * then say `inconclusive` and why.
 */
import type { SuiteProfile } from 'stampede-load/suite';

/** The figures every scenario reads: users, durations (s), sizes and objectives (ms). */
export interface SuitePlan {
  profile: SuiteProfile;
  quick: boolean;
  /** Concurrent image/video pairs and how long they keep uploading. */
  largePairs: number;
  largeS: number;
  /** Mixed read/write users. */
  mixedUsers: number;
  mixedS: number;
  /** Connections of the sustained create/read load and its length (the leak fit needs ≥ 15 s). */
  leakConnections: number;
  leakS: number;
  /** Records inserted through the API and through the repository layer. */
  dbRecords: number;
  /** Connections per capacity step, and each step's length. */
  capacitySteps: number[];
  capacityStepS: number;
  /** Portrait creators + AR readers, and how long. */
  portraitUsers: number;
  portraitS: number;
  /** Video schedulers + AR readers, and how long they switch. */
  scheduleUsers: number;
  scheduleS: number;
  /** ApiStressTest + AdminUser users at once, and how long. */
  stressUsers: number;
  stressS: number;
  /** Users of the storage workload (per backend). */
  storageUsers: number;
  storageS: number;
  basicUsers: number;
  basicS: number;
  /** p95 objective of the interactive endpoints, ms. */
  p95ObjectiveMs: number;
  /** p95 objective the capacity steps are held to, ms (the request mix is cached reads: tens of ms is slow). */
  capacityObjectiveMs: number;
  /** Largest failure share a step may have and still count as sustainable. */
  errorBudget: number;
}

const BASE: SuitePlan = {
  profile: 'baseline', quick: false,
  largePairs: 3, largeS: 10,
  mixedUsers: 24, mixedS: 20,
  leakConnections: 6, leakS: 40,
  dbRecords: 500,
  capacitySteps: [2, 4, 8, 16, 32, 64, 128, 256], capacityStepS: 5,
  portraitUsers: 10, portraitS: 15,
  scheduleUsers: 8, scheduleS: 10,
  stressUsers: 40, stressS: 15,
  storageUsers: 3, storageS: 10,
  basicUsers: 4, basicS: 10,
  p95ObjectiveMs: 500, capacityObjectiveMs: 25, errorBudget: 0.01,
};

/** The plan for `profile` (unknown names run as baseline), `quick`, and the endurance `--duration` in seconds. */
export function planFor(profile: SuiteProfile, quick: boolean, durationS?: number): SuitePlan {
  let plan: SuitePlan = { ...BASE, profile };
  if (profile === 'load') plan = { ...plan, largePairs: 4, mixedUsers: 60, mixedS: 30, leakConnections: 10, dbRecords: 1000, portraitUsers: 20, portraitS: 25, scheduleUsers: 16, stressUsers: 80, storageUsers: 6 };
  if (profile === 'stress') plan = { ...plan, largePairs: 6, mixedUsers: 120, mixedS: 30, leakConnections: 16, dbRecords: 2000, capacitySteps: [4, 8, 16, 32, 64, 128, 256, 512], portraitUsers: 40, portraitS: 25, scheduleUsers: 32, stressUsers: 200, storageUsers: 8 };
  if (profile === 'endurance') plan = { ...plan, leakS: durationS ?? 600, mixedS: 60 };
  else if (durationS !== undefined) plan = { ...plan, leakS: durationS };
  if (!quick) return plan;
  // Quick: ~1 minute in all. The leak fit gets too little data on purpose (5 s warm-up + 10 s needed): inconclusive.
  // Objectives are loose: a busy 2-core machine shares its cores between the API and the generator.
  return {
    ...plan, quick: true,
    largePairs: 2, largeS: 2,
    mixedUsers: Math.min(plan.mixedUsers, 12), mixedS: 4,
    leakConnections: 4, leakS: 5,
    dbRecords: 100,
    capacitySteps: [1, 8, 64], capacityStepS: 2,
    portraitUsers: 6, portraitS: 3,
    scheduleUsers: 4, scheduleS: 3,
    stressUsers: 10, stressS: 4,
    storageUsers: 2, storageS: 3,
    basicUsers: 2, basicS: 2,
    p95ObjectiveMs: 2000, capacityObjectiveMs: 50,
  };
}
