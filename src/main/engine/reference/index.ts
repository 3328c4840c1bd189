/** Reference-solution error: the PF-ODE reference, RMSE/PSNR, comparability, and the schedule evaluation table. */
export * from './metrics'
export * from './reference'
export * from './evaluate'
