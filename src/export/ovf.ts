// The OVF 1.0 descriptor of an OVA holding one streamOptimized VMDK: the smallest virtual
// machine description that vSphere, VirtualBox and VMware Workstation import (64-bit Linux
// guest, EFI-capable hardware version 15, 2 CPUs, 4 GiB, one disk on an LSI Logic SCSI bus).
// Pure, so its text is unit-tested.

export interface OvfInput {
  /** base name of the files in the OVA: NAME.ovf, NAME.mf, NAME.vmdk */
  name: string;
  vmdkBytes: number;
  virtualSizeBytes: number;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function renderOvf({ name, vmdkBytes, virtualSizeBytes }: OvfInput): string {
  const n = escape(name);
  const item = (lines: string[]) => ['      <Item>', ...lines.map((l) => `        ${l}`), '      </Item>'];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"',
    '    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"',
    '    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"',
    '    xmlns:vmw="http://www.vmware.com/schema/ovf">',
    '  <References>',
    `    <File ovf:id="file1" ovf:href="${n}.vmdk" ovf:size="${vmdkBytes}"/>`,
    '  </References>',
    '  <DiskSection>',
    '    <Info>Virtual disks</Info>',
    `    <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="${virtualSizeBytes}" ovf:capacityAllocationUnits="byte"`,
    '        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>',
    '  </DiskSection>',
    `  <VirtualSystem ovf:id="${n}">`,
    '    <Info>A bootc disk image made by deb-bootc-image-builder</Info>',
    `    <Name>${n}</Name>`,
    '    <OperatingSystemSection ovf:id="100" vmw:osType="other26xLinux64Guest">',
    '      <Info>The guest operating system</Info>',
    '    </OperatingSystemSection>',
    '    <VirtualHardwareSection>',
    '      <Info>Virtual hardware requirements</Info>',
    '      <System>',
    '        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>',
    '        <vssd:InstanceID>0</vssd:InstanceID>',
    `        <vssd:VirtualSystemIdentifier>${n}</vssd:VirtualSystemIdentifier>`,
    '        <vssd:VirtualSystemType>vmx-15</vssd:VirtualSystemType>',
    '      </System>',
    ...item([
      '<rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>',
      '<rasd:Description>Number of virtual CPUs</rasd:Description>',
      '<rasd:ElementName>2 virtual CPUs</rasd:ElementName>',
      '<rasd:InstanceID>1</rasd:InstanceID>',
      '<rasd:ResourceType>3</rasd:ResourceType>',
      '<rasd:VirtualQuantity>2</rasd:VirtualQuantity>',
    ]),
    ...item([
      '<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>',
      '<rasd:Description>Memory size</rasd:Description>',
      '<rasd:ElementName>4096 MB of memory</rasd:ElementName>',
      '<rasd:InstanceID>2</rasd:InstanceID>',
      '<rasd:ResourceType>4</rasd:ResourceType>',
      '<rasd:VirtualQuantity>4096</rasd:VirtualQuantity>',
    ]),
    ...item([
      '<rasd:Description>SCSI controller</rasd:Description>',
      '<rasd:ElementName>SCSI controller 0</rasd:ElementName>',
      '<rasd:InstanceID>3</rasd:InstanceID>',
      '<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>',
      '<rasd:ResourceType>6</rasd:ResourceType>',
    ]),
    ...item([
      '<rasd:AddressOnParent>0</rasd:AddressOnParent>',
      '<rasd:ElementName>Hard disk 1</rasd:ElementName>',
      '<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>',
      '<rasd:InstanceID>4</rasd:InstanceID>',
      '<rasd:Parent>3</rasd:Parent>',
      '<rasd:ResourceType>17</rasd:ResourceType>',
    ]),
    '    </VirtualHardwareSection>',
    '  </VirtualSystem>',
    '</Envelope>',
    '',
  ].join('\n');
}

/** The OVA manifest: one `SHA256(file)= hex` line per file, as ovftool writes it. */
export function renderManifest(hashes: { file: string; sha256: string }[]): string {
  return hashes.map((h) => `SHA256(${h.file})= ${h.sha256}\n`).join('');
}
