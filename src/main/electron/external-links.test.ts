import { describe, expect, it } from 'vitest'
import { externalLinkDecision } from './external-links'

describe('external links', () => {
  it('opens https links to the hosts the app links to', () => {
    expect(externalLinkDecision('https://huggingface.co/x/y')).toEqual({ action: 'open', url: 'https://huggingface.co/x/y' })
    expect(externalLinkDecision('https://docs.github.com/a')).toMatchObject({ action: 'open' })
  })

  it('asks before opening any other https host, including look-alikes', () => {
    expect(externalLinkDecision('https://evil.example/phish')).toEqual({ action: 'ask', url: 'https://evil.example/phish', host: 'evil.example' })
    expect(externalLinkDecision('https://github.com.evil.example/')).toMatchObject({ action: 'ask', host: 'github.com.evil.example' })
    expect(externalLinkDecision('https://notgithub.com/')).toMatchObject({ action: 'ask' })
  })

  it('refuses every other scheme and credentials in the address', () => {
    for (const url of ['http://github.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'ms-msdt:/id', 'smb://host/share', 'not a url']) {
      expect(externalLinkDecision(url).action, url).toBe('refuse')
    }
    expect(externalLinkDecision('https://user:pw@github.com/')).toEqual({ action: 'refuse', why: 'the address carries a user name or password' })
  })
})
