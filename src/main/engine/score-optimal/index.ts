/** Score-optimal step schedules (Williams, Campbell, Doucet & Syed 2024): estimator, profile, schedule, closed forms. */
export * from './profile'
export * from './estimate'
export * from './schedule'
export * from './closed-form'
