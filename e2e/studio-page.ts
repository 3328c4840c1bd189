/**
 * Opens the studio in a new Chromium page the way every browser test starts: a page of the given size
 * whose uncaught errors and console errors are collected (a test ends with `expect(errors).toEqual([])`),
 * the studio's URL, and optionally one of its views opened from the tab bar.
 */
import type { Browser, Locator, Page } from 'playwright-core'

export interface OpenStudioOptions {
  /** Default 1280x800, the smallest size the studio is laid out for. */
  viewport?: { width: number; height: number }
  /** A view to open from the tab bar: its button's name, which is also its region's name. */
  tab?: string
  /** Collect into this list (to gather one test's errors over several pages). */
  errors?: string[]
}

export interface StudioPage {
  page: Page
  /** Uncaught page errors and console errors, in order. */
  errors: string[]
  /** The opened tab's region (waited for), or the whole page when no tab was asked for. */
  view: Locator
}

/** Adds `page`'s uncaught errors and console errors to `errors`. */
export function collectErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
}

export async function openStudio(browser: Browser, url: string, opts: OpenStudioOptions = {}): Promise<StudioPage> {
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 800 } })
  const errors = opts.errors ?? []
  collectErrors(page, errors)
  await page.goto(url)
  let view = page.locator(':root')
  if (opts.tab) {
    await page.getByRole('button', { name: opts.tab, exact: true }).click()
    view = page.getByRole('region', { name: opts.tab })
    await view.waitFor()
  }
  return { page, errors, view }
}
