/** Schedule registry (implemented by the schedules module owner). */
export {}
